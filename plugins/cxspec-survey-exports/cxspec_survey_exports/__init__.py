"""cxspec source types that read survey-platform exports as downloaded.

`qualtrics_export` (a Qualtrics CSV export with its three header rows) and
`surveymonkey_export` (a SurveyMonkey "expanded" CSV export with its two header rows), each
with a mapping from the names metrics use to the export's question columns.
"""

__version__ = "0.1.0"
