"""Checks read-API documents against docs/api-schema.json (a JSON Schema subset:
type with null allowed by a list, required, properties, additionalProperties,
items, enum, minimum/maximum, format date-time, $ref into #/$defs). Standard
library only. An endpoint marked "list" is the shared list envelope with its
"item" schema and any "extra" top-level fields."""
import json
import re

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


class Schema:
    def __init__(self, path):
        with open(path) as f:
            self.doc = json.load(f)

    def endpoints(self):
        return self.doc["endpoints"]

    def for_endpoint(self, path):
        e = self.doc["endpoints"][path]
        if not e.get("list"):
            return e
        s = json.loads(json.dumps(self.doc["list"]))
        s["properties"]["items"] = {"type": "array", "items": e["item"]}
        s["properties"].update(e.get("extra", {}))
        s["required"] = s["required"] + list(e.get("extra", {}))
        s["additionalProperties"] = False
        return s

    def error_schema(self):
        return self.doc["error"]

    def problems(self, value, schema, where="$"):
        """Every way `value` breaks `schema`, as sentences naming the place."""
        if "$ref" in schema:
            schema = self.doc["$defs"][schema["$ref"].rsplit("/", 1)[1]]
        out = []
        types = schema.get("type")
        if types is not None:
            types = types if isinstance(types, list) else [types]
            if not any(TYPES[t](value) for t in types):
                return [f"{where}: {json.dumps(value)[:60]} is not {' or '.join(types)}"]
        if value is None:
            return out
        if "enum" in schema and value not in schema["enum"]:
            out.append(f"{where}: {value!r} is not one of {schema['enum']}")
        if schema.get("format") == "date-time" and isinstance(value, str) and not DATE_TIME.match(value):
            out.append(f"{where}: {value!r} is not RFC 3339 with an offset")
        if "minimum" in schema and TYPES["number"](value) and value < schema["minimum"]:
            out.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and TYPES["number"](value) and value > schema["maximum"]:
            out.append(f"{where}: {value} > {schema['maximum']}")
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for key in schema.get("required", []):
                if key not in value:
                    out.append(f"{where}: {key} is missing")
            for key, v in value.items():
                if key in props:
                    out += self.problems(v, props[key], f"{where}.{key}")
                elif schema.get("additionalProperties") is False:
                    out.append(f"{where}: {key} is not in the schema")
        if isinstance(value, list) and "items" in schema:
            for i, v in enumerate(value):
                out += self.problems(v, schema["items"], f"{where}[{i}]")
        return out
