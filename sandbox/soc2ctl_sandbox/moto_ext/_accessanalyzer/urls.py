"""Access Analyzer's endpoint and the paths of the implemented operations."""

from .responses import AccessAnalyzerResponse

url_bases = [r"https?://access-analyzer\.(.+)\.amazonaws\.com"]

url_paths = {
    "{0}/analyzer$": AccessAnalyzerResponse.dispatch,
    "{0}/analyzer/(?P<analyzerName>[^/]+)$": AccessAnalyzerResponse.dispatch,
}
