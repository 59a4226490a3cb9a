import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

NOTES = { 641: ("guest", "my shopping list"), 47: ("admin", "launch code " + FLAG) }
def app(req):
    if req.path == "/":
        return 200, "your note: /api/notes/641  (note ids are small integers)", {}
    if req.path.startswith("/api/notes/"):
        try:
            owner, text = NOTES[int(req.path.rsplit("/", 1)[1])]
        except (KeyError, ValueError):
            return 404, "no such note", {}
        return 200, f"owner={owner}\n{text}", {}
    return 404, "not found", {}

rangekit.serve_http(8410, app)
