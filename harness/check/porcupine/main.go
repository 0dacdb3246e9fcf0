// porcupine-check: decides whether a history of Redis register and counter operations is linearizable, key by
// key, with Porcupine (github.com/anishathalye/porcupine), and shrinks each violation to a small counterexample.
//
// Input (stdin, JSON): {"operations": [{"client", "key", "op": "set"|"get"|"incr", "value", "ok", "call", "return"}],
// "timeoutMs", "shrinkMs", "visualization"}. Times are integers (any unit, one clock). "ok": false marks an
// operation that failed but may have been applied (a timed-out SET or INCR): indeterminate, it may take effect at
// any point after its call, or never, as Jepsen treats :info operations. Reads that failed carry no information and
// are left out by the caller.
//
// Output (stdout, JSON): {"result": "linearizable"|"not linearizable"|"unknown", "keys": [...], "visualization"}.
// Exit codes: 0 answered (whatever the answer), 2 bad input.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/anishathalye/porcupine"
)

type op struct {
	Client int     `json:"client"`
	Key    string  `json:"key"`
	Op     string  `json:"op"`
	Value  *string `json:"value"` // SET: the value written; GET: what was read (null: the key was absent); INCR: the reply
	Ok     bool    `json:"ok"`
	Call   int64   `json:"call"`
	Return int64   `json:"return"`
}

type request struct {
	Operations    []op   `json:"operations"`
	TimeoutMs     int64  `json:"timeoutMs"`
	ShrinkMs      int64  `json:"shrinkMs"`
	Visualization string `json:"visualization"`
}

type keyResult struct {
	Key        string `json:"key"`
	Result     string `json:"result"`
	Operations int    `json:"operations"`
	// Indices into the input's operations: a sub-history that is itself not linearizable.
	Counterexample []int `json:"counterexample,omitempty"`
	// No single operation can be removed from the counterexample and leave it not linearizable.
	Minimal bool `json:"minimal,omitempty"`
	// The counterexample leaves increments out and reads the counter as a lower bound: its replies or reads go
	// backwards, which no order of the whole history explains.
	CounterBound bool `json:"counterBound,omitempty"`
}

type response struct {
	Result        string      `json:"result"`
	Keys          []keyResult `json:"keys"`
	Visualization string      `json:"visualization,omitempty"`
	ElapsedMs     int64       `json:"elapsedMs"`
}

// The input a model step sees: the operation, and its index in the request for the counterexample.
type input struct {
	op    string
	value *string
	ok    bool
	index int
	// A counter read as a lower bound (see lowerBound): for a counterexample that leaves increments out.
	bound bool
}

// The register's state: its value, or absent.
type state struct {
	present bool
	value   string
}

func step(s interface{}, in interface{}, _ interface{}) (bool, interface{}) {
	st := s.(state)
	i := in.(input)
	if i.bound {
		return lowerBound(st, i)
	}
	switch i.op {
	case "set":
		return true, state{true, *i.value}
	case "get":
		if i.value == nil {
			return !st.present, st
		}
		return st.present && st.value == *i.value, st
	case "incr":
		n := int64(0)
		if st.present {
			v, err := strconv.ParseInt(st.value, 10, 64)
			if err != nil {
				return false, st // INCR on a value that is not an integer fails; it cannot have been acknowledged
			}
			n = v
		}
		next := strconv.FormatInt(n+1, 10)
		if i.ok && (i.value == nil || *i.value != next) {
			return false, st
		}
		return true, state{true, next}
	}
	return false, st
}

// isCounter: a key written only by INCR.
func isCounter(all []op, indices []int) bool {
	incr := false
	for _, k := range indices {
		switch all[k].Op {
		case "set":
			return false
		case "incr":
			incr = true
		}
	}
	return incr
}

// lowerBound steps a counter whose increments were not all kept: the state is a lower bound of the true count, an
// INCR's reply must exceed it and a GET must not fall below it. Every linearization of the whole history, restricted
// to the operations kept, passes this model (the count only grows, by the kept increments and the left-out ones), so
// a sub-history this model rejects proves the whole history is not linearizable.
func lowerBound(st state, i input) (bool, interface{}) {
	cur := int64(0)
	if st.present {
		v, err := strconv.ParseInt(st.value, 10, 64)
		if err != nil {
			return false, st
		}
		cur = v
	}
	if i.op == "incr" && !i.ok {
		return true, st // it may never have applied: the bound stays
	}
	if i.value == nil {
		return i.op == "get" && cur == 0, st
	}
	v, err := strconv.ParseInt(*i.value, 10, 64)
	if err != nil || v < cur || (i.op == "incr" && v == cur) {
		return false, st
	}
	return true, state{true, *i.value}
}

func describe(in interface{}, _ interface{}) string {
	i := in.(input)
	v := "nil"
	if i.value != nil {
		v = strconv.Quote(*i.value)
	}
	tail := ""
	if !i.ok {
		tail = " (indeterminate)"
	}
	switch i.op {
	case "set":
		return fmt.Sprintf("SET %s%s", v, tail)
	case "get":
		return fmt.Sprintf("GET → %s", v)
	default:
		if !i.ok {
			return "INCR" + tail
		}
		return fmt.Sprintf("INCR → %s", v)
	}
}

var model = porcupine.Model{
	Init:              func() interface{} { return state{} },
	Step:              step,
	DescribeOperation: describe,
	DescribeState: func(s interface{}) string {
		st := s.(state)
		if !st.present {
			return "nil"
		}
		return strconv.Quote(st.value)
	},
}

// The porcupine operations of one key. An indeterminate operation never returns: it may be linearized at any point
// after its call, including after every other operation (the same as never taking effect, for what reads saw).
func operations(all []op, indices []int, bound bool) []porcupine.Operation {
	clients := map[int]int{}
	out := make([]porcupine.Operation, 0, len(indices))
	for _, k := range indices {
		o := all[k]
		c, seen := clients[o.Client]
		if !seen {
			c = len(clients)
			clients[o.Client] = c
		}
		ret := o.Return
		if !o.Ok {
			ret = math.MaxInt64
		}
		out = append(out, porcupine.Operation{ClientId: c, Input: input{o.Op, o.Value, o.Ok, k, bound}, Call: o.Call, Output: nil, Return: ret})
	}
	return out
}

func check(all []op, indices []int, bound bool, timeout time.Duration) porcupine.CheckResult {
	return porcupine.CheckOperationsTimeout(model, operations(all, indices, bound), timeout)
}

// closed returns the candidate with what it must keep to stay a genuine counterexample: every SET whose value one of
// its reads saw, and, unless the counter is read as a lower bound, every INCR (its replies count every increment). A sub-history closed so
// that is not linearizable proves the whole history is not: restricting a linearization of the whole to it keeps
// each read after the write it saw, with no kept write in between. Removing a read, or a write nobody kept saw,
// only takes constraints away.
func closed(all []op, from []int, cand []int, bound bool) []int {
	keep := map[int]bool{}
	seen := map[string]bool{}
	for _, k := range cand {
		keep[k] = true
		if all[k].Op == "get" && all[k].Value != nil {
			seen[*all[k].Value] = true
		}
	}
	out := make([]int, 0, len(from))
	for _, k := range from {
		o := all[k]
		if keep[k] || (o.Op == "incr" && !bound) || (o.Op == "set" && seen[*o.Value]) {
			out = append(out, k)
		}
	}
	return out
}

// A smaller sub-history that is still not linearizable: first the shortest prefix (by call time) that is, then
// chunks and single operations removed while the rest stays illegal, each candidate closed (see closed). Every
// candidate kept is checked, so the result is always a real counterexample; "minimal" only when every single removal
// was tried within the budget. A counter whose history breaks even the lower-bound model (a reply not above an
// earlier one) is shrunk under it, so that increments can be left out; "bound" says so.
func shrink(all []op, indices []int, timeout time.Duration, budget time.Duration) (result []int, minimal bool, bound bool) {
	deadline := time.Now().Add(budget)
	bound = isCounter(all, indices) && check(all, indices, true, timeout) == porcupine.Illegal
	illegal := func(c []int) bool { return check(all, c, bound, timeout) == porcupine.Illegal }
	cur := append([]int(nil), indices...)
	sort.Slice(cur, func(a, b int) bool { return all[cur[a]].Call < all[cur[b]].Call })
	lo, hi := 1, len(cur)
	for lo < hi && time.Now().Before(deadline) {
		mid := (lo + hi) / 2
		if illegal(closed(all, cur, cur[:mid], bound)) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if c := closed(all, cur, cur[:hi], bound); illegal(c) {
		cur = c
	}
	// Halving chunks, then single operations until a whole pass removes none: a read removed late can free a write
	// that an earlier pass had to keep for it.
	for chunk := len(cur) / 2; chunk >= 1; {
		removed := false
		for start := 0; start+chunk <= len(cur); {
			if time.Now().After(deadline) {
				return cur, false, bound
			}
			cand := closed(all, cur, append(append([]int(nil), cur[:start]...), cur[start+chunk:]...), bound)
			if len(cand) < len(cur) && illegal(cand) {
				cur, removed = cand, true
			} else {
				start += chunk
			}
		}
		if chunk > 1 {
			chunk /= 2
		} else if !removed {
			break
		}
	}
	return cur, true, bound
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "porcupine-check: the history is not valid JSON: %v\n", err)
		os.Exit(2)
	}
	for i, o := range req.Operations {
		if o.Op != "set" && o.Op != "get" && o.Op != "incr" {
			fmt.Fprintf(os.Stderr, "porcupine-check: operation %d: op %q is not set, get or incr\n", i, o.Op)
			os.Exit(2)
		}
		if o.Op == "set" && o.Value == nil {
			fmt.Fprintf(os.Stderr, "porcupine-check: operation %d: a SET needs its value\n", i)
			os.Exit(2)
		}
		if o.Ok && o.Return < o.Call {
			fmt.Fprintf(os.Stderr, "porcupine-check: operation %d returns (%d) before its call (%d)\n", i, o.Return, o.Call)
			os.Exit(2)
		}
	}
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	budget := time.Duration(req.ShrinkMs) * time.Millisecond
	if budget <= 0 {
		budget = 20 * time.Second
	}
	started := time.Now()
	byKey := map[string][]int{}
	var keys []string
	for i, o := range req.Operations {
		if _, ok := byKey[o.Key]; !ok {
			keys = append(keys, o.Key)
		}
		byKey[o.Key] = append(byKey[o.Key], i)
	}
	sort.Strings(keys)
	res := response{Result: "linearizable", Keys: []keyResult{}}
	var shown []porcupine.Operation
	for _, k := range keys {
		r := keyResult{Key: k, Operations: len(byKey[k])}
		switch check(req.Operations, byKey[k], false, timeout) {
		case porcupine.Ok:
			r.Result = "linearizable"
		case porcupine.Unknown:
			r.Result = "unknown"
			if res.Result == "linearizable" {
				res.Result = "unknown"
			}
		case porcupine.Illegal:
			r.Result = "not linearizable"
			res.Result = "not linearizable"
			r.Counterexample, r.Minimal, r.CounterBound = shrink(req.Operations, byKey[k], timeout, budget)
			sort.Ints(r.Counterexample)
			ops := operations(req.Operations, r.Counterexample, r.CounterBound)
			for j := range ops {
				ops[j].ClientId += clientsIn(shown)
			}
			shown = append(shown, ops...)
		}
		res.Keys = append(res.Keys, r)
	}
	if req.Visualization != "" && len(shown) > 0 {
		// The counterexamples, one partition per key: small enough to read, unlike the whole history.
		m := model
		m.Partition = func(h []porcupine.Operation) [][]porcupine.Operation { return byInputKey(h, req.Operations) }
		_, info := porcupine.CheckOperationsVerbose(m, shown, timeout)
		if err := porcupine.VisualizePath(m, info, req.Visualization); err != nil {
			fmt.Fprintf(os.Stderr, "porcupine-check: the visualization was not written: %v\n", err)
		} else {
			res.Visualization = req.Visualization
		}
	}
	res.ElapsedMs = time.Since(started).Milliseconds()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		os.Exit(1)
	}
}

func clientsIn(ops []porcupine.Operation) int {
	n := 0
	for _, o := range ops {
		if o.ClientId+1 > n {
			n = o.ClientId + 1
		}
	}
	return n
}

func byInputKey(h []porcupine.Operation, all []op) [][]porcupine.Operation {
	groups := map[string][]porcupine.Operation{}
	var order []string
	for _, o := range h {
		k := all[o.Input.(input).index].Key
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], o)
	}
	out := make([][]porcupine.Operation, 0, len(order))
	for _, k := range order {
		out = append(out, groups[k])
	}
	return out
}
