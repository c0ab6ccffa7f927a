"""cxspec source types that read survey-platform exports as downloaded.

`qualtrics_export` (a Qualtrics export in any of its layouts: current, 2016, legacy, or
with its extra header rows removed) and `surveymonkey_export` (a SurveyMonkey "expanded"
export with its two header rows), CSV or Excel, each with a mapping from the names metrics
use to the export's question columns.
"""

__version__ = "0.1.0"
