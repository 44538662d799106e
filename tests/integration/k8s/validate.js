#!/usr/bin/env node
// Validate Kubernetes manifests offline, against the API schema that an npm package carries:
//
//   node tests/integration/k8s/validate.js FILE.yaml...
//
// Every document of every file is checked; one line per document: "ok FILE Kind/name", or
// one line per error, "FILE:LINE: Kind/name: /json/pointer: message". Exit status 1 on any
// error (a YAML syntax error, an apiVersion/kind without a schema here, a schema violation,
// an unknown field), 2 on bad usage.
//
// Schemas (versions pinned in package-lock.json): kubernetes-models 4.5.1, the Kubernetes
// v1.33.0 OpenAPI definitions (merged with older releases' for removed API versions),
// compiled into one validator per definition with ajv, for the built-in API groups; and
// @kubernetes-models/prometheus-operator 4.4.4, the prometheus-operator v0.65.1 CRDs' schemas
// compiled the same way, for monitoring.coreos.com (PodMonitor, ServiceMonitor, ...).
// Their validators check types, required fields, enums and formats (int-or-string, quantity,
// ...) but not unknown fields: the Kubernetes OpenAPI schema does not say
// "additionalProperties: false", the API server's strict field validation does that. So the
// document is handed to the validator through proxies that note which properties the
// validator looks up in each object: a compiled validator reads every property its schema
// lists, and enumerates the keys of a map (labels, resources.limits, ...) or of an object
// with patternProperties. A key the validator never looked up in an object whose properties
// it did look up is a field the schema does not have ("livenesProbe"). An object it looked
// up nothing in (a free-form one, or one that already failed its type check) is left alone.
//
// Beyond the schema, a few checks the API server or the kubelet makes (semanticChecks):
// metadata.name, a workload's selector against its template's labels, and a probe's named
// port against the container's ports. Not checked: the rest of the API server's validation
// (name formats, uniqueness of names, immutable fields, admission: Pod Security, quotas),
// CEL rules of CRDs, and anything that needs the cluster (CRDs installed, images).
"use strict";

const fs = require("fs");
const YAML = require("yaml");

// Packages that carry schemas, searched in this order for "<apiVersion>" as a module path
// ("v1", "apps/v1", "monitoring.coreos.com/v1") exporting a class named like the kind.
const SCHEMA_PACKAGES = ["kubernetes-models", "@kubernetes-models/prometheus-operator"];

function schemaPackagesInfo() {
	return SCHEMA_PACKAGES.map((p) => `${p}@${require(`${p}/package.json`).version}`).join(", ");
}

// The model class (kubernetes-models' Model subclass) for apiVersion and kind, or null.
function modelFor(apiVersion, kind) {
	if (typeof apiVersion !== "string" || typeof kind !== "string" ||
	    !/^[a-z0-9.-]*\/?[a-z0-9]+$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind))
		return null;
	for (const pkg of SCHEMA_PACKAGES) {
		let mod;
		try {
			mod = require(`${pkg}/${apiVersion}`);
		} catch (e) {
			if (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED")
				continue;
			throw e;
		}
		const cls = Object.prototype.hasOwnProperty.call(mod, kind) ? mod[kind] : undefined;
		if (typeof cls === "function" && cls.apiVersion === apiVersion && cls.kind === kind &&
		    typeof cls.prototype.validate === "function")
			return cls;
	}
	return null;
}

const escapePointer = (s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1");
const unescapePointer = (s) => s.replace(/~1/g, "/").replace(/~0/g, "~");

// Wrap data so that every object's looked-up and enumerated keys are noted in seen, a Map
// from JSON pointer to { read: Set, enumerated: bool }.
function tracked(data, seen) {
	const proxies = new Map();
	const wrap = (value, ptr) => {
		if (value === null || typeof value !== "object") return value;
		if (proxies.has(ptr)) return proxies.get(ptr);
		const note = { read: new Set(), enumerated: false };
		if (!Array.isArray(value)) seen.set(ptr, note);
		const proxy = new Proxy(value, {
			get(target, prop, receiver) {
				if (typeof prop !== "string") return Reflect.get(target, prop, receiver);
				note.read.add(prop);
				if (!Object.prototype.hasOwnProperty.call(target, prop))
					return Reflect.get(target, prop, receiver);
				return wrap(target[prop], `${ptr}/${escapePointer(prop)}`);
			},
			has(target, prop) {
				if (typeof prop === "string") note.read.add(prop);
				return Reflect.has(target, prop);
			},
			getOwnPropertyDescriptor(target, prop) {
				if (typeof prop === "string") note.read.add(prop);
				return Reflect.getOwnPropertyDescriptor(target, prop);
			},
			ownKeys(target) {
				note.enumerated = true;
				return Reflect.ownKeys(target);
			},
		});
		proxies.set(ptr, proxy);
		return proxy;
	};
	return wrap(data, "");
}

// Keys present in an object that the validator never looked up: unknown fields. Except the
// x-kubernetes-* fields of a CRD's openAPIV3Schema (JSONSchemaProps): kubernetes-models'
// generator leaves properties named "x-..." out of its validators, so those are not
// validated at all (and no other Kubernetes object has such a field).
const NOT_IN_VALIDATORS = /^x-kubernetes-/;

function unknownFields(data, seen, ptr = "", out = []) {
	if (data === null || typeof data !== "object") return out;
	if (Array.isArray(data)) {
		data.forEach((v, i) => unknownFields(v, seen, `${ptr}/${i}`, out));
		return out;
	}
	const note = seen.get(ptr);
	const checked = note && !note.enumerated && note.read.size > 0;
	for (const key of Object.keys(data)) {
		if (checked && !note.read.has(key) && !NOT_IN_VALIDATORS.test(key))
			out.push({ ptr, key });
		else
			unknownFields(data[key], seen, `${ptr}/${escapePointer(key)}`, out);
	}
	return out;
}

// ajv's error (instancePath, keyword, params, message) as "what is wrong", in a few words.
function describe(err) {
	const p = err.params || {};
	switch (err.keyword) {
	case "required":
		return `missing required field "${p.missingProperty}"`;
	case "type":
		return `must be ${p.type}`;
	case "enum":
		return `must be one of ${(p.allowedValues || []).map((v) => JSON.stringify(v)).join(", ")}`;
	case "format":
		return `must be a ${p.format}`;
	default:
		return err.message || err.keyword;
	}
}

// ajv reports a value that fits no branch of a oneOf/anyOf (an int-or-string, a quantity:
// number or string of that format) once per branch and once more for the oneOf: one message
// for all of them, "must be number or a quantity".
function collapse(errors) {
	const alternatives = new Map(); // instancePath of a oneOf/anyOf error -> its branches' errors
	for (const err of errors)
		if (err.keyword === "oneOf" || err.keyword === "anyOf") alternatives.set(err.instancePath, []);
	const out = [];
	for (const err of errors) {
		const branches = alternatives.get(err.instancePath);
		if (!branches) out.push({ err, message: describe(err) });
		else if (err.keyword === "oneOf" || err.keyword === "anyOf") out.push({ err, branches });
		else branches.push(describe(err).replace(/^must be /, ""));
	}
	return out.map(({ err, message, branches }) =>
		message ? { err, message } : {
			err,
			message: branches.length ? `must be ${[...new Set(branches)].join(" or ")}` : describe(err),
		});
}

// The 1-based line of the node at a JSON pointer in a parsed YAML document (of its key when
// key is given), falling back to the nearest ancestor that exists.
function lineOf(doc, lineCounter, ptr, key) {
	const segs = ptr === "" ? [] : ptr.slice(1).split("/").map(unescapePointer);
	for (;;) {
		const node = segs.length ? doc.getIn(segs, true) : doc.contents;
		if (node && key !== undefined && YAML.isMap(node)) {
			const pair = node.items.find((it) => YAML.isScalar(it.key) && String(it.key.value) === key);
			if (pair && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
		}
		if (node && node.range) return lineCounter.linePos(node.range[0]).line;
		if (!segs.length) return 1;
		segs.pop();
		key = undefined;
	}
}

// Checks the API server makes beyond the schema that a manifest of this kind gets wrong
// easily. Each returns [{ ptr, message }].
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
// v[k1][k2]... when each is an object, else {}
const objectAt = (v, ...keys) =>
	keys.reduce((o, k) => (isObject(o) && isObject(o[k]) ? o[k] : {}), v);

function semanticChecks(obj) {
	const out = [];
	const meta = objectAt(obj, "metadata");
	if (!meta.name && !meta.generateName)
		out.push({ ptr: "/metadata", message: 'missing required field "name" (or "generateName")' });
	const spec = objectAt(obj, "spec");
	const workload = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"].includes(obj.kind);
	if (workload) {
		const labels = objectAt(spec, "template", "metadata", "labels");
		for (const [k, v] of Object.entries(objectAt(spec, "selector", "matchLabels")))
			if (labels[k] !== v)
				out.push({ ptr: "/spec/selector/matchLabels",
					   message: `selector ${k}=${v} does not match the template's labels` });
	}
	// A probe naming its port (httpGet or tcpSocket, port: "metrics"): the name must be one of
	// the container's ports, else the kubelet's probe fails forever (the API server lets it be).
	const podSpec = obj.kind === "Pod" ? spec : objectAt(spec, "template", "spec");
	const base = obj.kind === "Pod" ? "/spec" : "/spec/template/spec";
	for (const list of ["containers", "initContainers"]) {
		const containers = Array.isArray(podSpec[list]) ? podSpec[list] : [];
		containers.forEach((c, i) => {
			const ports = isObject(c) && Array.isArray(c.ports) ? c.ports : [];
			const names = new Set(ports.map((p) => isObject(p) && p.name).filter(Boolean));
			for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
				for (const how of ["httpGet", "tcpSocket"]) {
					const port = objectAt(c, probe, how).port;
					if (typeof port === "string" && !/^\d+$/.test(port) && !names.has(port))
						out.push({ ptr: `${base}/${list}/${i}/${probe}/${how}/port`,
							   message: `names port "${port}", which container ` +
								    `"${c.name}" does not declare in its ports` });
				}
			}
		});
	}
	return out;
}

function validateDocument(file, doc, lineCounter, index) {
	const errors = [];
	// at: where in the YAML to take the line from, { ptr, key } (a key of the object at ptr)
	const report = (what, ptr, message, at = { ptr }) => {
		const line = lineOf(doc, lineCounter, at.ptr, at.key);
		errors.push(`${file}:${line}: ${what}: ${ptr || "/"}: ${message}`);
	};

	if (doc.errors.length) {
		for (const e of doc.errors) {
			const line = e.linePos ? e.linePos[0].line : "?";
			const message = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
			errors.push(`${file}:${line}: document ${index + 1}: YAML: ${message}`);
		}
		return { errors };
	}
	const obj = doc.toJS({ maxAliasCount: 100 });
	if (obj === null || obj === undefined) return { empty: true, errors };
	if (typeof obj !== "object" || Array.isArray(obj)) {
		report(`document ${index + 1}`, "", "is not a mapping (a Kubernetes object)");
		return { errors };
	}
	const name = (obj.metadata && obj.metadata.name) || `(document ${index + 1})`;
	const what = `${obj.kind}/${name}`;
	const cls = modelFor(obj.apiVersion, obj.kind);
	if (!cls) {
		report(what, "", `no schema for apiVersion ${JSON.stringify(obj.apiVersion)} kind ` +
		       `${JSON.stringify(obj.kind)} in ${schemaPackagesInfo()}: not validated`,
		       { ptr: "", key: "kind" });
		return { what, errors };
	}

	const seen = new Map();
	try {
		cls.prototype.validate.call(tracked(obj, seen));
	} catch (e) {
		if (!Array.isArray(e.errors)) throw e;
		for (const { err, message } of collapse(e.errors)) {
			const key = err.keyword === "required" ? err.params.missingProperty : undefined;
			report(what, err.instancePath, message, { ptr: err.instancePath, key });
		}
	}
	for (const { ptr, key } of unknownFields(obj, seen))
		report(what, `${ptr}/${escapePointer(key)}`, `unknown field "${key}"`, { ptr, key });
	for (const { ptr, message } of semanticChecks(obj))
		report(what, ptr, message);
	return { what, errors };
}

function main(argv) {
	if (!argv.length || argv.includes("-h") || argv.includes("--help")) {
		console.error("usage: node validate.js MANIFEST.yaml... (every document of each is validated)");
		return 2;
	}
	let failed = false;
	for (const file of argv) {
		let text;
		try {
			text = fs.readFileSync(file, "utf8");
		} catch (e) {
			console.log(`${file}: ${e.message}`);
			failed = true;
			continue;
		}
		const lineCounter = new YAML.LineCounter();
		// YAML 1.1, as Kubernetes' own decoder (sigs.k8s.io/yaml, go-yaml v2) reads it:
		// yes/no/on/off are booleans there, so "value: yes" is not the string it looks like.
		const docs = YAML.parseAllDocuments(text, { lineCounter, version: "1.1", uniqueKeys: true });
		let objects = 0;
		(Array.isArray(docs) ? docs : [docs]).forEach((doc, i) => {
			let result;
			try {
				result = validateDocument(file, doc, lineCounter, i);
			} catch (e) { // a bug here, or a package that changed: an error, never a pass
				result = { errors: [`${file}: document ${i + 1}: validator failed: ${e.stack}`] };
			}
			const { what, errors, empty } = result;
			if (empty) return;
			objects++;
			if (errors.length) {
				failed = true;
				for (const e of errors) console.log(e);
			} else {
				console.log(`ok ${file} ${what}`);
			}
		});
		if (!objects) {
			console.log(`${file}: no Kubernetes object in it`);
			failed = true;
		}
	}
	return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
