import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

VFS = {
    "/srv/www/index.html": "<h1>files</h1> try /download?file=report.txt",
    "/srv/www/report.txt": "quarterly report: all good",
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "/srv/secret/key-5ed2d6.txt": "flag: " + FLAG,
}

import posixpath
def app(req):
    if req.path == "/":
        return 200, "documents: /doc?name=report.txt (secrets are in /srv/secret/; listing /srv/secret/index)", {}
    if req.path != "/doc":
        return 404, "not found", {}
    name = req.arg("name").replace("../", "")  # "sanitised"
    path = posixpath.normpath(posixpath.join("/srv/www", name))
    if path == "/srv/secret/index":
        return 200, "\n".join(k for k in VFS if k.startswith("/srv/secret/")), {}
    return (200, VFS[path], {}) if path in VFS else (404, "no such file: " + path, {})

rangekit.serve_http(8918, app)
