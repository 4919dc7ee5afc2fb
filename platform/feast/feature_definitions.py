"""The course's feature definitions for MovieLens 100K, in the shape of Feast's local template.

`mlplatform.features.apply()` registers these objects (the SDK equivalent of `feast apply`). The parquet
files they read are built by `build_sources.py` (next to this file) from the ratings: one row per user (or
item) and event time, holding the values as they were known at that moment, so a point-in-time join can
never see the future. Source paths are relative to MLPLATFORM_HOME (see feature_store.yaml).
"""

from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Array, Float32, Float64, Int64, String

# An entity is the key features are looked up by: here the person who rates.
user = Entity(
    name="user",
    join_keys=["user_id"],
    value_type=ValueType.INT64,
    description="A MovieLens user.",
)

# A second entity: the movie being rated.
item = Entity(
    name="item",
    join_keys=["item_id"],
    value_type=ValueType.INT64,
    description="A MovieLens movie.",
)

# A source is where feature rows live offline; `event_timestamp` says when each value became true.
user_source = FileSource(
    name="user_features_source",
    path="data/feast/user_features.parquet",
    timestamp_field="event_timestamp",
)

# The same for movies: one row per movie and rating time.
item_source = FileSource(
    name="item_features_source",
    path="data/feast/item_features.parquet",
    timestamp_field="event_timestamp",
)

# A feature view names a group of features of one entity, their types, and how long a value stays valid.
user_features = FeatureView(
    name="user_features",
    entities=[user],
    # A value older than the ttl counts as unknown in a training set (MovieLens spans seven months).
    ttl=timedelta(days=365),
    schema=[
        Field(name="age", dtype=Int64, description="Age in years (static attribute)."),
        Field(name="gender", dtype=String, description="M or F (static attribute)."),
        Field(name="occupation", dtype=String, description="Occupation (static attribute)."),
        Field(
            name="user_rating_count",
            dtype=Int64,
            description="Ratings the user had given up to the event time, inclusive.",
        ),
        Field(
            name="user_mean_rating",
            dtype=Float32,
            description="Mean of those ratings.",
        ),
    ],
    online=True,
    source=user_source,
    tags={"team": "recommender"},
)

# Movie features: static attributes plus popularity as it stood at each rating time.
item_features = FeatureView(
    name="item_features",
    entities=[item],
    ttl=timedelta(days=365),
    schema=[
        Field(name="genres", dtype=String, description="Genres joined with '|'."),
        Field(name="release_year", dtype=Int64, description="Release year (missing for a few)."),
        Field(
            name="item_rating_count",
            dtype=Int64,
            description="Popularity: ratings the movie had received up to the event time.",
        ),
        Field(
            name="item_mean_rating",
            dtype=Float32,
            description="Mean of those ratings.",
        ),
    ],
    online=True,
    source=item_source,
    tags={"team": "recommender"},
)

# A feature service is the set of features one model version reads, online and offline alike.
movie_recommender_v1 = FeatureService(
    name="movie_recommender_v1",
    features=[user_features, item_features],
)

# Precomputed recommendations: the batch-scoring job's top-k per user, one row per user. The job
# (mlplatform.recommender.batch_pipeline) writes this parquet, registers these two objects and
# pushes the rows to the online store; the service reads them when RECOMMENDER_PRECOMPUTED=1.
# They are not in OBJECTS: until a batch job has run there is no source file to apply or materialize.
user_recommendations_source = FileSource(
    name="user_recommendations_source",
    path="data/feast/user_recommendations.parquet",
    timestamp_field="event_timestamp",
)

user_recommendations = FeatureView(
    name="user_recommendations",
    entities=[user],
    ttl=timedelta(days=30),  # an older list is stale: the service falls back to the model
    schema=[
        Field(name="item_ids", dtype=Array(Int64), description="Top-k movie ids, best first."),
        Field(name="scores", dtype=Array(Float64), description="Their predicted ratings."),
        Field(name="model_name", dtype=String, description="Registered model that scored them."),
        Field(name="model_version", dtype=String, description="Its version."),
    ],
    online=True,
    source=user_recommendations_source,
    tags={"team": "recommender", "written_by": "batch-scoring"},
)

PRECOMPUTED = [user, user_recommendations_source, user_recommendations]

# What `mlplatform.features.apply()` registers, in order (the platform reads this list and knows
# nothing else about the recommender).
OBJECTS = [user, item, user_source, item_source, user_features, item_features, movie_recommender_v1]
