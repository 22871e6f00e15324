"""Permissive CORS: the UI may be served from another origin than the backend."""

from flask import Flask, Response

HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Length, Content-Type",
    "Access-Control-Max-Age": "600",
}


def install(app: Flask) -> None:
    # after_request also runs on error responses and on Flask's automatic OPTIONS.
    @app.after_request
    def allow_any_origin(response: Response) -> Response:
        response.headers.update(HEADERS)
        return response
