package proxyenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// This file edits JSON documents by splicing: encoding/json validates the
// document, a small scanner (which may assume valid input) locates the
// members on the path, and only the bytes of the members set or removed
// change. Key order, layout, unknown keys and every other byte stay as the
// user had them, which a decode/encode round trip cannot promise.

// jsonMember is one member of an object, as spans of the source.
type jsonMember struct {
	key              string // decoded key
	keyStart         int    // offset of the key's opening quote
	keyEnd           int    // offset just after the key's closing quote
	valStart, valEnd int    // the value's span
}

// jsonObject is an object of the source: the offsets of its braces and its
// members in order.
type jsonObject struct {
	open, close int
	members     []jsonMember
}

// last returns the index of the last member named key (Go's decoder, and so
// Docker, reads the last of duplicate keys), or -1.
func (o jsonObject) last(key string) int {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			return i
		}
	}
	return -1
}

// jsonDoc is a valid JSON document whose top level is an object, with the
// layout to use for new members.
type jsonDoc struct {
	src  []byte
	unit string // one level of indentation; "" for a single-line document
	nl   string // "\n" or "\r\n"
}

// parseJSONDoc validates src and returns it as a document. Empty input
// (nil, or only blanks) is an empty object laid out with defaultUnit.
func parseJSONDoc(format string, src []byte, defaultUnit string) (*jsonDoc, error) {
	if err := checkInput(format, src); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return &jsonDoc{src: []byte("{}\n"), unit: defaultUnit, nl: "\n"}, nil
	}
	if !json.Valid(src) {
		var v any
		err := json.Unmarshal(src, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(src, int(se.Offset))
			return nil, &FormatError{Format: format, Line: line, Column: col, Detail: "invalid JSON: " + se.Error(), Err: ErrMalformed}
		}
		return nil, &FormatError{Format: format, Detail: "invalid JSON", Err: ErrMalformed}
	}
	start := skipWS(src, 0)
	if src[start] != '{' {
		line, col := lineCol(src, start)
		return nil, &FormatError{Format: format, Line: line, Column: col, Detail: "the top level is not an object", Err: ErrMalformed}
	}
	d := &jsonDoc{src: src, unit: defaultUnit, nl: "\n"}
	if bytes.Contains(src, []byte("\r\n")) {
		d.nl = "\r\n"
	}
	if top := d.object(start); len(top.members) > 0 {
		ws := string(src[top.open+1 : top.members[0].keyStart])
		if i := strings.LastIndexByte(ws, '\n'); i >= 0 {
			d.unit = ws[i+1:]
		} else {
			d.unit = ""
		}
	}
	return d, nil
}

// lineCol converts a byte offset to a 1-based line and column.
func lineCol(src []byte, off int) (int, int) {
	off = min(max(off, 0), len(src))
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	return line, off - bytes.LastIndexByte(src[:off], '\n')
}

func skipWS(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just after the string starting at i.
func skipString(src []byte, i int) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the offset just after the value starting at i.
func skipValue(src []byte, i int) int {
	switch src[i] {
	case '"':
		return skipString(src, i)
	case '{', '[':
		depth := 0
		for ; i < len(src); i++ {
			switch src[i] {
			case '"':
				i = skipString(src, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default:
		for i < len(src) && !strings.ContainsRune(",}] \t\r\n", rune(src[i])) {
			i++
		}
		return i
	}
}

// object scans the object whose '{' is at offset at of a valid document.
func (d *jsonDoc) object(at int) jsonObject {
	src := d.src
	o := jsonObject{open: at}
	i := skipWS(src, at+1)
	for src[i] != '}' {
		m := jsonMember{keyStart: i}
		m.keyEnd = skipString(src, i)
		_ = json.Unmarshal(src[m.keyStart:m.keyEnd], &m.key)
		i = skipWS(src, m.keyEnd)
		i = skipWS(src, i+1) // ':'
		m.valStart = i
		m.valEnd = skipValue(src, i)
		o.members = append(o.members, m)
		i = skipWS(src, m.valEnd)
		if src[i] == ',' {
			i = skipWS(src, i+1)
		}
	}
	o.close = i
	return o
}

// indentAt returns the blanks that start the line holding offset i.
func (d *jsonDoc) indentAt(i int) string {
	start := bytes.LastIndexByte(d.src[:i], '\n') + 1
	end := start
	for end < len(d.src) && (d.src[end] == ' ' || d.src[end] == '\t') {
		end++
	}
	return string(d.src[start:end])
}

func (d *jsonDoc) splice(from, to int, with string) {
	d.src = append(d.src[:from:from], append([]byte(with), d.src[to:]...)...)
}

// jsonKV is a member to write: a key and its value, already encoded; a nil
// value removes the member.
type jsonKV struct {
	key string
	val []byte
}

// set sets (or, with a nil val, removes) the member at path, creating the
// objects on the way and removing objects that a removal leaves empty. A
// member that already holds an equal value is left byte for byte.
func (d *jsonDoc) set(path []string, val []byte) {
	d.setIn(skipWS(d.src, 0), path, val)
}

func (d *jsonDoc) setIn(objAt int, path []string, val []byte) {
	o := d.object(objAt)
	i := o.last(path[0])
	if len(path) > 1 {
		if i >= 0 && d.src[o.members[i].valStart] == '{' {
			m := o.members[i]
			d.setIn(m.valStart, path[1:], val)
			if val == nil && len(d.object(m.valStart).members) == 0 {
				d.remove(d.object(objAt), i)
			}
			return
		}
		if val == nil {
			return
		}
		// Build the missing objects from the inside out.
		for j := len(path) - 1; j >= 1; j-- {
			val = d.render([]jsonKV{{path[j], val}}, "")
		}
	}
	switch {
	case i >= 0 && val == nil:
		d.remove(o, i)
	case i >= 0:
		m := o.members[i]
		if !jsonEqual(d.src[m.valStart:m.valEnd], val) {
			d.splice(m.valStart, m.valEnd, string(d.reindent(val, d.indentAt(m.keyStart))))
		}
	case val != nil:
		d.insert(o, path[0], val)
	}
}

// remove removes member i of o with the separator that goes with it.
func (d *jsonDoc) remove(o jsonObject, i int) {
	m := o.members[i]
	switch {
	case len(o.members) == 1:
		d.splice(o.open+1, o.close, "")
	case i > 0:
		d.splice(o.members[i-1].valEnd, m.valEnd, "")
	default:
		d.splice(m.keyStart, o.members[1].keyStart, "")
	}
}

// insert appends a member to o, laid out like its siblings.
func (d *jsonDoc) insert(o jsonObject, key string, val []byte) {
	k, _ := json.Marshal(key)
	if len(o.members) > 0 {
		first, last := o.members[0], o.members[len(o.members)-1]
		lead := string(d.src[o.open+1 : first.keyStart])
		sep := string(d.src[first.keyEnd:first.valStart])
		indent := lead[strings.LastIndexByte(lead, '\n')+1:]
		between := lead // blanks before a member
		if n := len(o.members); n > 1 {
			prev := o.members[n-2]
			between = strings.TrimLeft(string(d.src[prev.valEnd:last.keyStart]), " \t\r\n")[1:] // after the comma
		} else if !strings.Contains(lead, "\n") && strings.Contains(sep, " ") {
			between = " "
		}
		member := "," + between + string(k) + sep + string(d.reindent(val, indent))
		d.splice(last.valEnd, last.valEnd, member)
		return
	}
	if d.unit == "" {
		d.splice(o.open+1, o.close, string(k)+":"+string(val))
		return
	}
	base := d.indentAt(o.open)
	inner := base + d.unit
	d.splice(o.open+1, o.close, d.nl+inner+string(k)+": "+string(d.reindent(val, inner))+d.nl+base)
}

// render encodes an object of the given members, laid out one level deeper
// than indent.
func (d *jsonDoc) render(kvs []jsonKV, indent string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range kvs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.key)
		if d.unit != "" {
			b.WriteString(d.nl + indent + d.unit)
			b.Write(k)
			b.WriteString(": ")
		} else {
			b.Write(k)
			b.WriteByte(':')
		}
		b.Write(d.reindent(kv.val, indent+d.unit))
	}
	if d.unit != "" && len(kvs) > 0 {
		b.WriteString(d.nl + indent)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// reindent shifts the lines after the first of a rendered value (laid out
// with no indentation) to start at indent.
func (d *jsonDoc) reindent(val []byte, indent string) []byte {
	if !bytes.Contains(val, []byte(d.nl)) {
		return val
	}
	return bytes.ReplaceAll(val, []byte(d.nl), []byte(d.nl+indent))
}

// jsonEqual reports whether two encoded values decode to the same string,
// or are the same bytes.
func jsonEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var sa, sb string
	return json.Unmarshal(a, &sa) == nil && json.Unmarshal(b, &sb) == nil && sa == sb
}

// jsonString encodes s as a JSON string, without escaping <, > and &.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(fmt.Sprintf("proxyenv: encode string: %v", err)) // cannot happen for a string
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
