"""The annotation app: recipes (registered functions building a stream of tasks), the feed
that hands tasks to annotator sessions, and the FastAPI server with its static page.

`recipes` and `feed` are plain Python that tests call directly; `server` is a thin layer of
routes over them (FastAPI and uvicorn come with the `app` extra).
"""
