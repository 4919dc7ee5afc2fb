"""Locust load on the recommender service: `POST /recommendations` for MovieLens users, k = 10.

Run by `mlplatform loadtest` (`make loadtest`) and `benchmarks/bench_serving.py`, which set the
host, the concurrency and the bounds. Each simulated user sends its next request as soon as the
answer arrives, so the level's number of users is the number of requests in flight.
`LOADTEST_USER_IDS` (comma-separated) picks the users asked for; default every MovieLens user.
"""

import os
import random

from locust import FastHttpUser, constant, task

from mlplatform.loadtest import record_requests

record_requests()
USER_IDS = [int(u) for u in os.environ.get("LOADTEST_USER_IDS", "").split(",") if u] or list(
    range(1, 944)
)


class RecommenderUser(FastHttpUser):
    """One client asking for top-10 recommendations, back to back."""

    wait_time = constant(0)

    @task
    def recommend(self) -> None:
        body = {"user_id": random.choice(USER_IDS), "k": 10}
        with self.client.post("/recommendations", json=body, catch_response=True) as answer:
            if answer.status_code == 200 and len(answer.json()["items"]) != 10:
                answer.failure("fewer than 10 items")
