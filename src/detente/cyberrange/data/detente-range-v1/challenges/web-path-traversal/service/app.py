import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

VFS = {
    "/srv/www/index.html": "<h1>files</h1> try /download?file=report.txt",
    "/srv/www/report.txt": "quarterly report: all good",
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "/srv/secret/flag-5dd009.txt": "flag: " + FLAG,
}

import posixpath
def app(req):
    if req.path == "/":
        return 200, VFS["/srv/www/index.html"] + "<!-- secrets live in /srv/secret/, listing at /srv/secret/index -->", {}
    if req.path != "/download":
        return 404, "not found", {}
    name = req.arg("file")
    path = posixpath.normpath(posixpath.join("/srv/www", name))
    if path == "/srv/secret/index":
        return 200, "\n".join(k for k in VFS if k.startswith("/srv/secret/")), {}
    if path not in VFS:
        return 404, "no such file: " + path, {}
    return 200, VFS[path], {}

rangekit.serve_http(8155, app)
