"""The eval harness: labelled facts in, metrics and a report out, through the users' own functions."""
