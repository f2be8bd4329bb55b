# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#
# The release tarball fuzzer's two halves in Python (ReleaseTarballFuzzTests.swift runs them):
#
#   tarball-fuzz.py mutate BASE.tar.gz OUT_DIR SEED COUNT
#       writes COUNT mutants of BASE (OUT_DIR/NNNN.tar.gz) and OUT_DIR/mutations.json, what
#       was done to each: bit flips, byte changes, truncations, header field edits (checksum
#       fixed up most of the time so the damage reaches the parser), inserted pax headers,
#       renamed, dropped and duplicated entries, mutated .rel contents, damaged gzip data.
#   tarball-fuzz.py compare PAIRS.json
#       for each [archive, directory] pair, compares what Python's tarfile reads from the
#       archive with the tree extracted into directory; prints one JSON line per mismatch.
import copy, gzip, hashlib, io, json, os, random, stat, sys, tarfile

HOSTILE_NAMES = [
    "../evil", "/tmp/evil", "lib/../../evil", "lib/store-2.0.0/../../../evil", "", ".", "./", "//",
    "releases/2.0.0/store.rel", "lib/store-2.0.0", "lib", "a" * 300, "lib/store-2.0.0/ebin/store.app/x",
    "n\x00ul", "\x1b[2J", "lib/store-2.0.0/lib/libstore-2.0.0.so", "erts-6.3.1-test/bin/distill-run",
]
HOSTILE_VERSIONS = [
    b'"../../x"', b'"2.0.0/../../../x"', b'"."', b'".."', b'""', b'"2.0.0\\n"', b'"2 0"', b'"\\e[2J"',
    b'"' + b"9" * 300 + b'"', b"'2.0.0'", b"2.0.0", b'"2.0.0"', b'"1.0.0"', b'"/abs"',
]


def normalise(name):
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return "/".join(parts)


def parse_headers(raw):
    """Offsets of the header blocks of raw (stops at the first zero or unreadable block)."""
    offsets, offset = [], 0
    while offset + 512 <= len(raw):
        block = raw[offset:offset + 512]
        if block == bytes(512):
            break
        try:
            size = int(block[124:136].split(b"\0")[0].strip() or b"0", 8)
        except ValueError:
            break
        offsets.append(offset)
        offset += 512 + (size + 511) // 512 * 512
    return offsets


def fix_checksum(raw, offset):
    block = raw[offset:offset + 512]
    block[148:156] = b" " * 8
    raw[offset + 148:offset + 156] = b"%06o\0 " % sum(block)


def members(raw):
    archive = tarfile.open(fileobj=io.BytesIO(bytes(raw)), mode="r:")
    result = []
    for member in archive.getmembers():
        data = archive.extractfile(member).read() if member.isreg() else b""
        result.append((member, data))
    return result


def serialise(entries, fmt):
    buffer = io.BytesIO()
    archive = tarfile.open(fileobj=buffer, mode="w", format=fmt)
    for member, data in entries:
        member = copy.copy(member)
        member.size = len(data) if member.isreg() else 0
        archive.addfile(member, io.BytesIO(data) if member.isreg() else None)
    archive.close()
    return bytearray(buffer.getvalue())


def pax_header(rng):
    records = rng.choice([
        {"path": rng.choice(HOSTILE_NAMES[:8]) or "x"},
        {"linkpath": rng.choice(["/etc/passwd", "../../x", "a" * 5000])},
        {"size": str(rng.choice([0, 1, 511, 513, 1 << 40, 10**30]))},
        {"mtime": rng.choice(["x", "1.5", "-1", "99999999999999999999"])},
        {"GNU.sparse.map": "0,1"},
        {"comment": "c" * rng.randrange(1, 70000)},
        {"DISTILL.%d" % rng.randrange(1000): "v" * rng.randrange(1, 3000)},
    ])
    kind = rng.choice([tarfile.XHDTYPE, tarfile.XGLTYPE])
    return kind, tarfile.TarInfo._create_pax_generic_header(records, kind, "utf-8")


def mutate(base_raw, base_members, rng):
    done = []
    raw = bytearray(base_raw)
    # Structural mutations: rebuild the archive from (changed) members.
    if rng.random() < 0.45:
        entries = [(copy.copy(m), d) for m, d in base_members]
        choice = rng.randrange(5)
        index = rng.randrange(len(entries))
        member, data = entries[index]
        if choice == 0:
            old = member.name
            member.name = rng.choice(HOSTILE_NAMES + [m.name for m, _ in entries])
            done.append("rename %r -> %r" % (old, member.name))
        elif choice == 1:
            done.append("drop %r" % member.name)
            del entries[index]
        elif choice == 2:
            done.append("duplicate %r" % member.name)
            entries.insert(rng.randrange(len(entries) + 1), (member, data))
        else:
            rel = next(i for i, (m, _) in enumerate(entries) if m.name.endswith(".rel"))
            member, text = entries[rel]
            if choice == 3:
                targets = [t for t in (b'"2.0.0"', b'"6.3.1-test"', b'"store"', b"store") if t in text]
                target = rng.choice(targets)
                value = rng.choice(HOSTILE_VERSIONS)
                position = rng.choice([i for i in range(len(text)) if text.startswith(target, i)])
                text = text[:position] + value + text[position + len(target):]
                done.append("rel %r -> %r at %d" % (target, value, position))
            else:
                position = rng.randrange(len(text) + 1)
                text = text[:position] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8))) + text[position:]
                done.append("rel bytes inserted at %d" % position)
            entries[rel] = (member, text)
        raw = serialise(entries, rng.choice([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT]))
    # Byte-level mutations of the tar stream.
    for _ in range(rng.randrange(0, 4)):
        headers = parse_headers(raw)
        choice = rng.randrange(6)
        if choice == 0:
            position = rng.randrange(len(raw))
            raw[position] ^= 1 << rng.randrange(8)
            done.append("flip %d" % position)
        elif choice == 1:
            position = rng.randrange(len(raw))
            raw[position] = rng.choice([0, 0x20, 0x2E, 0x2F, 0x30, 0x37, 0x78, 0xFF, rng.randrange(256)])
            done.append("set %d" % position)
        elif choice == 2:
            position = rng.randrange(len(raw))
            del raw[position:position + rng.randrange(1, 1500)]
            done.append("cut %d" % position)
        elif choice == 3 and headers:
            offset = rng.choice(headers)
            field = rng.choice([(0, 100), (100, 8), (124, 12), (136, 12), (156, 1), (157, 100), (257, 6), (345, 155)])
            start, length = field
            if field == (156, 1):
                value = rng.choice(b"0123456789xgLKSAZ\0").to_bytes(1, "big")
            elif field in ((0, 100), (157, 100), (345, 155)):
                value = rng.choice(HOSTILE_NAMES).encode("utf-8", "surrogateescape")[:length]
            elif field == (124, 12):
                value = rng.choice([b"%011o\0" % rng.randrange(1 << 33), b"\x80" + bytes(10) + b"\x01",
                                    b"\xff" * 12, b"77777777777\0", b"0" * 12, b"abc"])
            else:
                value = bytes(rng.randrange(256) for _ in range(length))
            value = value.ljust(length, b"\0")[:length]
            raw[offset + start:offset + start + length] = value
            if rng.random() < 0.9:
                fix_checksum(raw, offset)
            done.append("field %d@%d" % (start, offset))
        elif choice == 4 and headers:
            offset = rng.choice(headers)
            kind, header = pax_header(rng)
            raw[offset:offset] = header
            done.append("insert pax %r (%d bytes) at %d" % (kind, len(header), offset))
        elif choice == 5:
            raw = raw[:rng.randrange(len(raw))]
            done.append("truncate to %d" % len(raw))
    data = bytearray(gzip.compress(bytes(raw), compresslevel=1, mtime=0))
    if rng.random() < 0.05:
        position = rng.randrange(len(data))
        data[position] ^= 0xFF
        done.append("gzip byte %d" % position)
    if rng.random() < 0.03:
        data += rng.choice([b"garbage", bytes(10), gzip.compress(b"x")])
        done.append("gzip trailer")
    return bytes(data), done


def command_mutate(base, out, seed, count):
    base_raw = gzip.decompress(open(base, "rb").read())
    base_members = members(base_raw)
    rng = random.Random(seed)
    log = {}
    for index in range(count):
        data, done = mutate(base_raw, base_members, rng)
        name = "%04d.tar.gz" % index
        with open(os.path.join(out, name), "wb") as stream:
            stream.write(data)
        log[name] = done
    with open(os.path.join(out, "mutations.json"), "w") as stream:
        json.dump(log, stream)


def expected_tree(archive_path):
    archive = tarfile.open(archive_path, "r:gz")
    tree = {}
    for member in archive.getmembers():
        path = normalise(member.name)
        if not path:
            continue
        parts = path.split("/")
        for depth in range(1, len(parts)):
            tree.setdefault("/".join(parts[:depth]), ("d", 0o755))
        if member.isdir():
            tree[path] = ("d", member.mode & 0o755)
        elif member.issym():
            tree[path] = ("l", member.linkname)
        elif member.islnk():
            target = archive.getmember(member.linkname)
            tree[path] = ("f", target.mode & 0o755, hashlib.sha256(archive.extractfile(target).read()).hexdigest())
        else:
            tree[path] = ("f", member.mode & 0o755, hashlib.sha256(archive.extractfile(member).read()).hexdigest())
    return tree


def actual_tree(directory):
    tree = {}
    for parent, directories, files in os.walk(directory):
        for name in directories + files:
            full = os.path.join(parent, name)
            path = os.path.relpath(full, directory)
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                tree[path] = ("l", os.readlink(full))
            elif stat.S_ISDIR(info.st_mode):
                tree[path] = ("d", info.st_mode & 0o777)
            else:
                tree[path] = ("f", info.st_mode & 0o777, hashlib.sha256(open(full, "rb").read()).hexdigest())
    return tree


def command_compare(pairs_path):
    for archive, directory in json.load(open(pairs_path)):
        try:
            expected = expected_tree(archive)
        except Exception as error:
            print(json.dumps({"archive": archive, "python": "refused: %s" % error}))
            continue
        actual = actual_tree(directory)
        if expected != actual:
            keys = sorted(set(expected) | set(actual))
            diff = {k: [expected.get(k), actual.get(k)] for k in keys if expected.get(k) != actual.get(k)}
            print(json.dumps({"archive": archive, "diff": diff}))


if __name__ == "__main__":
    if sys.argv[1] == "mutate":
        command_mutate(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        command_compare(sys.argv[2])
