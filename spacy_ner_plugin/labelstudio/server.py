"""Label Studio's ML backend protocol over HTTP (the app extra's FastAPI), as Label Studio
1.23's `ml/api_connector.py` calls it and `label-studio-ml-backend`'s `api.py` answers:

- `GET /health` (and `/`): `{"status": "UP", "model_class": ...}`;
- `POST /setup` `{"project": "ID.TIMESTAMP", "schema": LABEL_CONFIG, ...}`: `{"model_version"}`;
- `POST /predict` `{"tasks": [...], "project", "label_config", "params"}`: `{"results": [one
  prediction per task: {"result": [...], "score", "model_version"}]}`;
- `POST /webhook` `{"action": EVENT, "project": {...}, "task", "annotation"}`: 201 and
  `{"status": "ok", ...}`; the training runs after the reply (Label Studio waits 1 s for a
  webhook). Requests it cannot read get a 422 whose `detail` says what is wrong.
"""

from typing import Any, Dict, List

from fastapi import BackgroundTasks, Body, FastAPI, Request
from fastapi.responses import JSONResponse

from ..errors import PluginError
from .backend import LabelStudioBackend

MODEL_CLASS = "spacy_ner_plugin"


def create_app(backend: LabelStudioBackend) -> FastAPI:
    """The FastAPI app serving `backend` to Label Studio."""
    app = FastAPI(title="spacy_ner_plugin Label Studio ML backend")

    @app.exception_handler(PluginError)
    async def unreadable(request: Request, exc: PluginError) -> JSONResponse:
        return JSONResponse({"status": "error", "detail": str(exc)}, status_code=422)

    @app.get("/")
    @app.get("/health")
    def health() -> Dict[str, Any]:
        return {"status": "UP", "model_class": MODEL_CLASS, "model_version": backend.model_version}

    @app.post("/setup")
    def setup(request: Dict[str, Any] = Body(...)) -> Dict[str, Any]:
        return {"model_version": backend.setup(request.get("schema"))}

    @app.post("/predict")
    def predict(request: Dict[str, Any] = Body(...)) -> Dict[str, List[Dict[str, Any]]]:
        return {"results": backend.predict(request.get("tasks"), request.get("label_config"))}

    @app.post("/webhook")
    def webhook(background: BackgroundTasks, request: Any = Body(...)) -> JSONResponse:
        reply, training = backend.receive(request)
        if training is not None:
            background.add_task(training)
        return JSONResponse(reply, status_code=201 if reply["status"] == "ok" else 200)

    return app
