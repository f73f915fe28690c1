// tlog_interop.go: checks waybill's ledger output with an independent
// implementation, Go's golang.org/x/mod/sumdb/tlog and sumdb/note (Debian's
// golang-golang-x-mod-dev), built offline with GO111MODULE=off and
// GOPATH=/usr/share/gocode. Run by test_tlog_interop.sh.
//
// usage: tlog_interop CHECK DIR [LEDGER]
//
// DIR holds what the shell script collected from waybill:
//
//	vkey                  the verifier key `waybill log init` printed
//	env/<i>.json          entry i's envelope bytes, as given to `waybill log add`
//	cp/<size>             the signed checkpoint after the batch ending at size
//	prove/<i>-<size>.json `waybill log prove --index i --size size --json`
//	cons/<m>-<n>.json     `waybill log consistency --from m --to n --json`
//
// CHECK is one of note, inclusion, consistency, tiles (tiles also needs the
// ledger directory, whose tile/ tree it reads as C2SP tlog-tiles). Each check
// prints what it verified and exits 1 on the first failure.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func ok(format string, args ...interface{}) {
	fmt.Printf("ok: "+format+"\n", args...)
}

func readFile(path string) []byte {
	b, err := ioutil.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

func hashOf(what, s string) tlog.Hash {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		fail("%s: %q is not a base64 SHA-256 hash", what, s)
	}
	var h tlog.Hash
	copy(h[:], b)
	return h
}

// entries: the leaf hashes Go computes from the envelope bytes, and a
// HashReader over the stored hashes Go computes from them (independent of
// waybill's store).
type memTree struct {
	leaves []tlog.Hash
	stored []tlog.Hash
}

func (m *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.stored)) {
			return nil, fmt.Errorf("stored hash %d out of range", x)
		}
		out[i] = m.stored[x]
	}
	return out, nil
}

func loadEntries(dir string) *memTree {
	m := &memTree{}
	for i := 0; ; i++ {
		b, err := ioutil.ReadFile(filepath.Join(dir, "env", strconv.Itoa(i)+".json"))
		if os.IsNotExist(err) {
			break
		} else if err != nil {
			fail("%v", err)
		}
		// the log entry is the SHA-256 of the envelope (docs/formats/ledger.md)
		d := sha256.Sum256(b)
		h := tlog.RecordHash(d[:])
		hs, err := tlog.StoredHashesForRecordHash(int64(i), h, m)
		if err != nil {
			fail("StoredHashesForRecordHash(%d): %v", i, err)
		}
		m.leaves = append(m.leaves, h)
		m.stored = append(m.stored, hs...)
	}
	if len(m.leaves) == 0 {
		fail("no entries in %s/env", dir)
	}
	return m
}

func (m *memTree) root(n int64) tlog.Hash {
	if n == 0 {
		// Go's TreeHash gives the zero hash for the empty tree (sumdb's
		// convention); RFC 9162's MTH of no entries is SHA-256("")
		return tlog.Hash(sha256.Sum256(nil))
	}
	h, err := tlog.TreeHash(n, m)
	if err != nil {
		fail("TreeHash(%d): %v", n, err)
	}
	return h
}

func verifier(dir string) note.Verifier {
	vkey := strings.TrimSpace(string(readFile(filepath.Join(dir, "vkey"))))
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier(%q): %v", vkey, err)
	}
	return v
}

// checkpoint: origin, size and root of a C2SP checkpoint body (tlog.ParseTree
// wants the older "go.sum database tree" header, so parse it here).
func parseCheckpoint(text string) (string, int64, tlog.Hash) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[3] != "" {
		// three newline-terminated lines and no extension lines
		fail("checkpoint body is not origin/size/root: %q", text)
	}
	origin := strings.TrimSuffix(lines[0], "\n")
	size, err := strconv.ParseInt(strings.TrimSuffix(lines[1], "\n"), 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != strings.TrimSuffix(lines[1], "\n") {
		fail("checkpoint size line %q", lines[1])
	}
	return origin, size, hashOf("checkpoint root", strings.TrimSuffix(lines[2], "\n"))
}

func files(dir, sub string) []string {
	names, err := filepath.Glob(filepath.Join(dir, sub, "*"))
	if err != nil || len(names) == 0 {
		fail("nothing in %s/%s", dir, sub)
	}
	sort.Strings(names)
	return names
}

// checkpoints: size -> root, each note verified with the verifier key.
func checkpoints(dir string, v note.Verifier, verbose bool) map[int64]tlog.Hash {
	out := map[int64]tlog.Hash{}
	for _, path := range files(dir, "cp") {
		msg := readFile(path)
		n, err := note.Open(msg, note.VerifierList(v))
		if err != nil {
			fail("%s: note.Open: %v", path, err)
		}
		if len(n.Sigs) != 1 || n.Sigs[0].Name != v.Name() || n.Sigs[0].Hash != v.KeyHash() {
			fail("%s: verified signatures %+v, want one by %s", path, n.Sigs, v.Name())
		}
		origin, size, root := parseCheckpoint(n.Text)
		if origin != v.Name() {
			fail("%s: origin %q is not the key name %q", path, origin, v.Name())
		}
		out[size] = root
		if verbose {
			ok("note.Open verified checkpoint %s (size %d, root %s)", filepath.Base(path), size, root)
		}
	}
	return out
}

func checkNote(dir string) {
	v := verifier(dir)
	m := loadEntries(dir)
	cps := checkpoints(dir, v, true)
	for size, root := range cps {
		if size > int64(len(m.leaves)) {
			fail("checkpoint of size %d but only %d entries", size, len(m.leaves))
		}
		if want := m.root(size); root != want {
			fail("checkpoint %d: root %s, Go's TreeHash over the entries gives %s", size, root, want)
		}
	}
	ok("%d checkpoint roots equal tlog.TreeHash over the envelopes", len(cps))
	// one changed byte anywhere in the note must be refused
	cpFiles := files(dir, "cp")
	msg := readFile(cpFiles[len(cpFiles)-1])
	sigStart := bytes.Index(msg, []byte("\n\n")) + 2
	// (not the last base64 characters of the signature: Go's note decodes
	// base64 leniently, so a change in the padding bits means nothing)
	positions := []int{0, len(msg) / 4, sigStart - 3, sigStart + len(v.Name()) + 8, len(msg) - 20}
	for _, p := range positions {
		bad := append([]byte(nil), msg...)
		bad[p] ^= 0x01
		if _, err := note.Open(bad, note.VerifierList(v)); err == nil {
			fail("note.Open accepted the checkpoint with byte %d changed", p)
		}
	}
	ok("note.Open refused %d copies with one byte changed", len(positions))
	// another key with the same name must not verify it
	_, other, err := note.GenerateKey(zeroReader{}, v.Name())
	if err != nil {
		fail("GenerateKey: %v", err)
	}
	ov, err := note.NewVerifier(other)
	if err != nil {
		fail("%v", err)
	}
	if _, err := note.Open(msg, note.VerifierList(ov)); err == nil {
		fail("note.Open accepted the checkpoint with another key of the same name")
	}
	ok("note.Open refused the checkpoint for another key of the same name")
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}

type proofJSON struct {
	Index    *int64   `json:"index"`
	TreeSize *int64   `json:"tree_size"`
	LeafHash string   `json:"leaf_hash"`
	RootHash string   `json:"root_hash"`
	From     *int64   `json:"from"`
	To       *int64   `json:"to"`
	OldRoot  string   `json:"old_root"`
	NewRoot  string   `json:"new_root"`
	Proof    []string `json:"proof"`
}

func loadProof(path string) (proofJSON, []tlog.Hash) {
	var p proofJSON
	dec := json.NewDecoder(bytes.NewReader(readFile(path)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		fail("%s: %v", path, err)
	}
	hs := make([]tlog.Hash, len(p.Proof))
	for i, s := range p.Proof {
		hs[i] = hashOf(path+" proof", s)
	}
	return p, hs
}

func flipped(p []tlog.Hash, i int) []tlog.Hash {
	q := append([]tlog.Hash(nil), p...)
	q[i][7] ^= 0x80
	return q
}

func sameProof(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkInclusion(dir string) {
	m := loadEntries(dir)
	cps := checkpoints(dir, verifier(dir), false)
	count, bound := 0, 0
	for _, path := range files(dir, "prove") {
		pj, proof := loadProof(path)
		if pj.Index == nil || pj.TreeSize == nil {
			fail("%s: no index or tree_size", path)
		}
		i, size := *pj.Index, *pj.TreeSize
		leaf, root := hashOf(path+" leaf_hash", pj.LeafHash), hashOf(path+" root_hash", pj.RootHash)
		if i < 0 || i >= size || size > int64(len(m.leaves)) {
			fail("%s: index %d, size %d, %d entries", path, i, size, len(m.leaves))
		}
		if leaf != m.leaves[i] {
			fail("%s: leaf_hash %s, tlog.RecordHash of SHA-256(envelope %d) is %s", path, leaf, i, m.leaves[i])
		}
		if want := m.root(size); root != want {
			fail("%s: root_hash %s, tlog.TreeHash(%d) is %s", path, root, size, want)
		}
		if cp, found := cps[size]; found {
			if cp != root {
				fail("%s: root_hash differs from the signed checkpoint of size %d", path, size)
			}
			bound++
		}
		if err := tlog.CheckRecord(proof, size, root, i, leaf); err != nil {
			fail("%s: tlog.CheckRecord: %v", path, err)
		}
		goProof, err := tlog.ProveRecord(size, i, m)
		if err != nil {
			fail("%s: tlog.ProveRecord: %v", path, err)
		}
		if !sameProof(goProof, proof) {
			fail("%s: proof differs from tlog.ProveRecord's %v", path, goProof)
		}
		// changed proofs, index, leaf, size and root must all fail
		for k := range proof {
			if tlog.CheckRecord(flipped(proof, k), size, root, i, leaf) == nil {
				fail("%s: CheckRecord accepted the proof with hash %d changed", path, k)
			}
		}
		if len(proof) > 0 && tlog.CheckRecord(proof[:len(proof)-1], size, root, i, leaf) == nil {
			fail("%s: CheckRecord accepted the proof shortened", path)
		}
		if tlog.CheckRecord(append(append([]tlog.Hash(nil), proof...), leaf), size, root, i, leaf) == nil {
			fail("%s: CheckRecord accepted the proof lengthened", path)
		}
		if size > 1 {
			j := (i + 1) % size
			if tlog.CheckRecord(proof, size, root, j, leaf) == nil {
				fail("%s: CheckRecord accepted the proof for index %d", path, j)
			}
			if tlog.CheckRecord(proof, size, root, i, m.leaves[j]) == nil {
				fail("%s: CheckRecord accepted the proof for leaf %d", path, j)
			}
		}
		bad := root
		bad[0] ^= 1
		if tlog.CheckRecord(proof, size, bad, i, leaf) == nil {
			fail("%s: CheckRecord accepted a changed root", path)
		}
		ok("tlog.CheckRecord verified %s (index %d of %d, %d hashes; equal to ProveRecord; 3+ tamperings refused)",
			filepath.Base(path), i, size, len(proof))
		count++
	}
	ok("%d inclusion proofs verified, %d of them against a signed checkpoint's root", count, bound)
}

func checkConsistency(dir string) {
	m := loadEntries(dir)
	cps := checkpoints(dir, verifier(dir), false)
	count := 0
	for _, path := range files(dir, "cons") {
		pj, proof := loadProof(path)
		if pj.From == nil || pj.To == nil {
			fail("%s: no from or to", path)
		}
		from, to := *pj.From, *pj.To
		oldRoot, newRoot := hashOf(path+" old_root", pj.OldRoot), hashOf(path+" new_root", pj.NewRoot)
		if from <= 0 || from > to || to > int64(len(m.leaves)) {
			fail("%s: from %d, to %d", path, from, to)
		}
		if oldRoot != m.root(from) || newRoot != m.root(to) {
			fail("%s: roots differ from tlog.TreeHash over the envelopes", path)
		}
		for _, s := range []int64{from, to} {
			if cp, found := cps[s]; found && cp != m.root(s) {
				fail("%s: signed checkpoint %d differs", path, s)
			}
		}
		if err := tlog.CheckTree(proof, to, newRoot, from, oldRoot); err != nil {
			fail("%s: tlog.CheckTree: %v", path, err)
		}
		goProof, err := tlog.ProveTree(to, from, m)
		if err != nil {
			fail("%s: tlog.ProveTree: %v", path, err)
		}
		if !sameProof(goProof, proof) {
			fail("%s: proof differs from tlog.ProveTree's %v", path, goProof)
		}
		for k := range proof {
			if tlog.CheckTree(flipped(proof, k), to, newRoot, from, oldRoot) == nil {
				fail("%s: CheckTree accepted the proof with hash %d changed", path, k)
			}
		}
		if len(proof) > 0 && tlog.CheckTree(proof[:len(proof)-1], to, newRoot, from, oldRoot) == nil {
			fail("%s: CheckTree accepted the proof shortened", path)
		}
		if from < to {
			badOld := oldRoot
			badOld[0] ^= 1
			if tlog.CheckTree(proof, to, newRoot, from, badOld) == nil {
				fail("%s: CheckTree accepted another old root", path)
			}
			bad := newRoot
			bad[31] ^= 1
			if tlog.CheckTree(proof, to, bad, from, oldRoot) == nil {
				fail("%s: CheckTree accepted a changed new root", path)
			}
		}
		ok("tlog.CheckTree verified %s (%d -> %d, %d hashes; equal to ProveTree; tamperings refused)",
			filepath.Base(path), from, to, len(proof))
		count++
	}
	ok("%d consistency proofs verified", count)
}

// c2spTiles reads a C2SP tlog-tiles tree (tile/<L>/<N>[.p/<W>], height 8)
// for tlog.TileHashReader, whose own paths carry the height
// (tile/8/<L>/<N>[.p/<W>]).
type c2spTiles struct {
	ledger string
	reads  int
}

func (t *c2spTiles) Height() int { return 8 }

func (t *c2spTiles) c2spPath(tile tlog.Tile) string {
	goPath := tile.Path() // "tile/8/L/NNN[.p/W]"
	prefix := "tile/8/"
	if tile.H != 8 || tile.L < 0 || !strings.HasPrefix(goPath, prefix) {
		fail("unexpected tile %+v (%s)", tile, goPath)
	}
	return filepath.Join(t.ledger, "tile", filepath.FromSlash(strings.TrimPrefix(goPath, prefix)))
}

func (t *c2spTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		path := t.c2spPath(tile)
		data, err := ioutil.ReadFile(path)
		if os.IsNotExist(err) && tile.W < 1<<tile.H {
			// C2SP: a client may use a wider tile (the full one, or a wider
			// partial one) in place of a partial tile that is gone
			wider := []string{}
			full := tile
			full.W = 1 << tile.H
			wider = append(wider, t.c2spPath(full))
			partials, _ := filepath.Glob(t.c2spPath(full) + ".p/*")
			wider = append(wider, partials...)
			for _, w := range wider {
				d, e := ioutil.ReadFile(w)
				if e == nil && len(d) >= tile.W*tlog.HashSize {
					data, err = d[:tile.W*tlog.HashSize], nil
					break
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("tile %s (nor any wider one): %v", path, err)
		}
		if len(data) != tile.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", path, len(data), tile.W*tlog.HashSize)
		}
		out[i] = data
		t.reads++
	}
	return out, nil
}

func (t *c2spTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func checkTiles(dir, ledger string) {
	if st, err := os.Stat(filepath.Join(ledger, "tile")); err != nil || !st.IsDir() {
		fail("no tiles written yet: %s/tile is not a directory", ledger)
	}
	v := verifier(dir)
	m := loadEntries(dir)
	cps := checkpoints(dir, v, false)
	// the latest checkpoint is the one served with the tiles
	latest := readFile(filepath.Join(ledger, "checkpoint"))
	n, err := note.Open(latest, note.VerifierList(v))
	if err != nil {
		fail("%s/checkpoint: note.Open: %v", ledger, err)
	}
	_, size, root := parseCheckpoint(n.Text)
	if size != int64(len(m.leaves)) || root != m.root(size) {
		fail("latest checkpoint (size %d) is not the tree of the %d envelopes", size, len(m.leaves))
	}
	tr := &c2spTiles{ledger: ledger}
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tr)
	got, err := tlog.TreeHash(size, hr)
	if err != nil {
		fail("TreeHash over the tiles: %v", err)
	}
	if got != root {
		fail("TreeHash over the tiles is %s, checkpoint root %s", got, root)
	}
	ok("tlog.TileHashReader read %d tiles back to the checkpoint root of size %d", tr.reads, size)
	// every stored hash of the tree, through the tiles, equals Go's own
	idx := make([]int64, tlog.StoredHashCount(size))
	for i := range idx {
		idx[i] = int64(i)
	}
	hs, err := hr.ReadHashes(idx)
	if err != nil {
		fail("ReadHashes over the tiles: %v", err)
	}
	for i := range hs {
		if hs[i] != m.stored[i] {
			fail("stored hash %d from the tiles differs from Go's", i)
		}
	}
	ok("all %d stored hashes read through the tiles equal Go's", len(hs))
	// proofs from the tiles verify; older checkpoints are consistent with it
	for _, i := range []int64{0, size / 3, size / 2, size - 1} {
		p, err := tlog.ProveRecord(size, i, hr)
		if err != nil {
			fail("ProveRecord(%d) over the tiles: %v", i, err)
		}
		if err := tlog.CheckRecord(p, size, root, i, m.leaves[i]); err != nil {
			fail("CheckRecord of the tile proof for %d: %v", i, err)
		}
	}
	for old, oldRoot := range cps {
		if old == 0 || old > size {
			continue
		}
		p, err := tlog.ProveTree(size, old, hr)
		if err != nil {
			fail("ProveTree(%d, %d) over the tiles: %v", size, old, err)
		}
		if err := tlog.CheckTree(p, size, root, old, oldRoot); err != nil {
			fail("CheckTree %d -> %d from the tiles: %v", old, size, err)
		}
	}
	ok("inclusion and consistency proofs built from the tiles verify against the signed checkpoints")
	// the tiles of every earlier checkpoint size (partial tiles) also read back
	for old, oldRoot := range cps {
		if old == 0 || old == size {
			continue
		}
		h, err := tlog.TreeHash(old, tlog.TileHashReader(tlog.Tree{N: old, Hash: oldRoot}, &c2spTiles{ledger: ledger}))
		if err != nil || h != oldRoot {
			fail("tree of size %d through the tiles: %v (%s, want %s)", old, err, h, oldRoot)
		}
	}
	ok("every earlier checkpoint's root reads back through the tiles too")
	// entry bundles: big-endian uint16 length-prefixed log entries, each the
	// SHA-256 of envelope i and hashing (tlog.RecordHash) to leaf i
	checked := 0
	for n := int64(0); n*256 < size; n++ {
		w := size - n*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: 0, N: n, W: int(w)}
		rel := strings.TrimPrefix(t.Path(), "tile/8/0/")
		path := filepath.Join(ledger, "tile", "entries", filepath.FromSlash(rel))
		data, err := ioutil.ReadFile(path)
		if err != nil {
			fail("entry bundle: %v", err)
		}
		for k := int64(0); k < w; k++ {
			if len(data) < 2 {
				fail("%s: ends before entry %d", path, k)
			}
			l := int(data[0])<<8 | int(data[1])
			if len(data) < 2+l {
				fail("%s: entry %d: length %d past the end", path, k, l)
			}
			e := data[2 : 2+l]
			data = data[2+l:]
			i := n*256 + k
			env, err := ioutil.ReadFile(filepath.Join(dir, "env", strconv.FormatInt(i, 10)+".json"))
			if err != nil {
				fail("%v", err)
			}
			if d := sha256.Sum256(env); string(e) != string(d[:]) {
				fail("%s: entry %d is not the SHA-256 of envelope %d", path, k, i)
			}
			if tlog.RecordHash(e) != m.leaves[i] {
				fail("%s: entry %d does not hash to leaf %d", path, k, i)
			}
			checked++
		}
		if len(data) != 0 {
			fail("%s: %d bytes after its %d entries", path, len(data), w)
		}
	}
	ok("%d entries in the entry bundles (tile/entries/) hash to the tree's leaves", checked)
	// a corrupted tile must be refused
	bad := &corruptTiles{c2spTiles{ledger: ledger}}
	if _, err := tlog.TreeHash(size, tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, bad)); err == nil {
		fail("TileHashReader accepted a tile with a changed byte")
	}
	ok("TileHashReader refused a tile with a changed byte")
}

type corruptTiles struct{ c2spTiles }

func (t *corruptTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data, err := t.c2spTiles.ReadTiles(tiles)
	if err == nil && len(data) > 0 && len(data[0]) > 0 {
		data[0] = append([]byte(nil), data[0]...)
		data[0][len(data[0])-1] ^= 1
	}
	return data, err
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: tlog_interop note|inclusion|consistency|tiles DIR [LEDGER]")
		os.Exit(2)
	}
	dir := os.Args[2]
	switch os.Args[1] {
	case "note":
		checkNote(dir)
	case "inclusion":
		checkInclusion(dir)
	case "consistency":
		checkConsistency(dir)
	case "tiles":
		if len(os.Args) != 4 {
			fail("tiles needs DIR LEDGER")
		}
		checkTiles(dir, os.Args[3])
	default:
		fmt.Fprintln(os.Stderr, "unknown check", os.Args[1])
		os.Exit(2)
	}
}
