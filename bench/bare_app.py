"""The bare Flask page the evening-peak benchmark compares the home page with,
served by the same gunicorn (2 workers × 4 threads): what the framework and
the server cost alone."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def page():
    return "<!doctype html><title>nu</title><p>Bonjour</p>"
