import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

class Visitor:
    def __init__(self, name):
        self.name = name

def app(req):
    if req.path != "/greet":
        return 200, "greeting cards: /greet?template=Hello+{visitor.name}&name=Ann", {}
    template = req.arg("template", "Hello {visitor.name}")
    try:
        return 200, template.format(visitor=Visitor(req.arg("name", "friend"))), {}
    except (KeyError, AttributeError, IndexError, ValueError) as exc:
        return 400, "bad template: " + str(exc), {}

rangekit.serve_http(8177, app)
