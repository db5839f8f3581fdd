"""The training rows nearest an eval failure, each one key away from the dataset editor."""
