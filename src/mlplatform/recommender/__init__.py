"""Project 2, the movie recommender on MovieLens 100K."""
