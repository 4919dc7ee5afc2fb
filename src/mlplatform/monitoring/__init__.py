"""Monitoring: drift of data and predictions, performance once labels arrive, service metrics."""
