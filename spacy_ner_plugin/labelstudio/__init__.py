"""Label Studio as a client: an ML backend server speaking Label Studio's protocol.

`config` reads a project's labelling config (`<Labels>` over `<Text>`), `convert` turns
suggestions into Label Studio predictions and Label Studio annotations into answer records,
`backend` holds the served pipeline (pre-annotation, in-place updates, the dataset store) and
`server` is the FastAPI app (`/health`, `/setup`, `/predict`, `/webhook`); the app extra.
"""
