"""How this feature repository's offline sources are built: from MovieLens, by the recommender.

`mlplatform.features.prepare()` (run by `mlplatform up`) loads this file by path, like the
definitions, and calls `build_sources(settings)` when a source file named in
`feature_definitions.py` is missing. The repository is the recommender's, so it may import the
recommender; the platform package itself never does.
"""

from mlplatform.config import Settings
from mlplatform.recommender import feature_sources


def build_sources(settings: Settings) -> None:
    """Write `data/feast/user_features.parquet` and `item_features.parquet` from MovieLens."""
    feature_sources.build_sources(settings)
