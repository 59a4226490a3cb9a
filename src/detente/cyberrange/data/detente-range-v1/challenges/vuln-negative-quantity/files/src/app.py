import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

STATE = {"credits": 10}
PRICES = {"sticker": 7, "flag": 1000}
def app(req):
    if req.path == "/buy":
        item = req.arg("item")
        try:
            qty = int(req.arg("qty", "1"))
        except ValueError:
            return 400, "bad qty", {}
        if item not in PRICES:
            return 404, "no such item", {}
        cost = PRICES[item] * qty
        if cost > STATE["credits"]:
            return 402, f"not enough credits ({STATE['credits']})", {}
        STATE["credits"] -= cost
        if item == "flag":
            return 200, "here you go: " + FLAG, {}
        return 200, f"bought {qty} {item}(s); credits left {STATE['credits']}", {}
    return 200, f"shop: /buy?item=sticker&qty=1 (you have {STATE['credits']} credits; a flag costs 1000)", {}
rangekit.serve_http(8835, app)
