"""Locust load on `mlflow models serve` of the recommender: the same task as `recommender.py`.

`mlflow models serve` has no catalogue, history or top-k: to get a user's top 10 the client sends
every movie the user has not rated as `(user_id, item_id)` rows to `POST /invocations` and keeps
the 10 best predictions. `LOADTEST_PAYLOADS` is a JSON file `{user_id: [item ids]}` written by
`benchmarks/bench_serving.py` from the same history the recommender service uses.
"""

import heapq
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant, task

from mlplatform.loadtest import record_requests

record_requests()
CANDIDATES = {
    int(user): items
    for user, items in json.loads(Path(os.environ["LOADTEST_PAYLOADS"]).read_text()).items()
}
BODIES = {
    user: json.dumps(
        {"dataframe_split": {"columns": ["user_id", "item_id"], "data": [[user, i] for i in items]}}
    )
    for user, items in CANDIDATES.items()
}
USERS = list(BODIES)


class MlflowServeUser(FastHttpUser):
    """One client asking for one user's top 10, back to back."""

    wait_time = constant(0)

    @task
    def recommend(self) -> None:
        user = random.choice(USERS)
        headers = {"content-type": "application/json"}
        with self.client.post(
            "/invocations", data=BODIES[user], headers=headers, catch_response=True
        ) as answer:
            if answer.status_code == 200:
                # one {"predicted_rating": x} per row (the pyfunc returns a named Series)
                scores = [row["predicted_rating"] for row in answer.json()["predictions"]]
                top = heapq.nlargest(10, zip(scores, CANDIDATES[user], strict=True))
                if len(top) != 10:
                    answer.failure("fewer than 10 items")
