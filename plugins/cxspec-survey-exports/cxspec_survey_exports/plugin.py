"""The entry point cxspec loads (group `cxspec`): registers the source types."""

from cxspec import hookimpl


@hookimpl
def cxspec_register_source_types():
    from cxspec_survey_exports.qualtrics import QualtricsExport
    from cxspec_survey_exports.surveymonkey import SurveyMonkeyExport

    return [QualtricsExport, SurveyMonkeyExport]
