"""The NER flowchart as a command: chart as data, facts from the user's files, and the walk."""
