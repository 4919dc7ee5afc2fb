"""The course's helper package: configuration, the local platform, data, projects and grading."""

__version__ = "0.1.0"
