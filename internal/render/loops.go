package render

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/template/parse"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// loopProblems finds, in the parse trees of one set of templates (a page
// with its layout, or one email part), what could run long without
// writing: the bounded writer (bounds.go) cannot stop those. dir is the
// folder the problems' files are in ("pages/", "email/").
func loopProblems(dir string, trees []*parse.Tree) drip.Problems {
	lw := &loopWalk{dir: dir, calls: map[string][]callSite{}}
	for _, t := range trees {
		if t != nil && t.Root != nil {
			lw.tree = t
			lw.walk(t.Root, 1, map[string]int64{})
		}
	}
	ps := lw.ps
	return append(ps, lw.cycles()...)
}

// computed stands for a number made with add: its size is unknown until
// the template runs, so a range over it is refused.
const computed = -1

type callSite struct {
	name string // the template called
	tree *parse.Tree
	node parse.Node
}

type loopWalk struct {
	dir   string
	tree  *parse.Tree
	calls map[string][]callSite // template name -> the templates it calls
	ps    drip.Problems
}

// walk visits n, inside ranges over numbers that run mult times in all;
// nums holds the variables set to a number.
func (lw *loopWalk) walk(n parse.Node, mult int64, nums map[string]int64) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			lw.walk(c, mult, nums)
		}
	case *parse.ActionNode:
		lw.declare(n.Pipe, nums)
	case *parse.IfNode:
		lw.walk(n.List, mult, nums)
		lw.walk(n.ElseList, mult, nums)
	case *parse.WithNode:
		lw.walk(n.List, mult, nums)
		lw.walk(n.ElseList, mult, nums)
	case *parse.RangeNode:
		lw.walk(n.List, lw.rangeTimes(n, mult, nums), nums)
		lw.walk(n.ElseList, mult, nums)
	case *parse.TemplateNode:
		lw.calls[lw.tree.Name] = append(lw.calls[lw.tree.Name], callSite{name: n.Name, tree: lw.tree, node: n})
	}
}

// declare notes the variables a pipeline sets to a number.
func (lw *loopWalk) declare(p *parse.PipeNode, nums map[string]int64) {
	if p == nil || len(p.Decl) != 1 {
		return
	}
	if v, ok := number(p, nums); ok {
		nums[p.Decl[0].Ident[0]] = v
	}
}

// rangeTimes checks a range and returns how many times its body runs in
// all (mult when it ranges over data, not a number).
func (lw *loopWalk) rangeTimes(n *parse.RangeNode, mult int64, nums map[string]int64) int64 {
	v, ok := number(n.Pipe, nums)
	switch {
	case !ok:
		return mult
	case v == computed:
		lw.problem(n, "range over a number worked out with add: its size is unknown until it runs, so it could loop for ever; range over the course's data instead")
		return mult
	case v > 0 && mult*v/v != mult, mult*v > MaxRange:
		lw.problem(n, fmt.Sprintf("range over %d (%d times in all, with the ranges around it): more than the %d a template may loop; a loop that long would hang the mail", v, mult*v, MaxRange))
		return 1
	}
	return max(mult*v, mult)
}

// number is the value of a pipeline that is a number: a literal, a
// variable set to one, or computed for one made with add.
func number(p *parse.PipeNode, nums map[string]int64) (int64, bool) {
	if p == nil || len(p.Cmds) == 0 {
		return 0, false
	}
	for _, c := range p.Cmds {
		if len(c.Args) > 0 && isIdent(c.Args[0], "add") {
			return computed, true
		}
	}
	if len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return 0, false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.NumberNode:
		if a.IsInt {
			return a.Int64, true
		}
	case *parse.VariableNode:
		if len(a.Ident) == 1 {
			v, ok := nums[a.Ident[0]]
			return v, ok
		}
	case *parse.PipeNode:
		return number(a, nums)
	}
	return 0, false
}

func isIdent(n parse.Node, name string) bool {
	id, ok := n.(*parse.IdentifierNode)
	return ok && id.Ident == name
}

// cycles reports each template that calls itself, directly or through
// others: such a template runs until Go's depth limit stops it.
func (lw *loopWalk) cycles() drip.Problems {
	var ps drip.Problems
	names := make([]string, 0, len(lw.calls))
	for name := range lw.calls {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, c := range lw.calls[name] {
			if path, ok := lw.reaches(c.name, name, map[string]bool{}); ok {
				msg := fmt.Sprintf("template %q calls itself", name)
				if len(path) > 1 {
					msg += " through " + strings.Join(path[:len(path)-1], ", ")
				}
				ps = append(ps, at(lw.dir, c.tree, c.node, msg+": it would never end; remove the call"))
			}
		}
	}
	return ps
}

// reaches returns the chain of templates from from to to, if calls lead
// there.
func (lw *loopWalk) reaches(from, to string, seen map[string]bool) ([]string, bool) {
	if from == to {
		return []string{to}, true
	}
	if seen[from] {
		return nil, false
	}
	seen[from] = true
	for _, c := range lw.calls[from] {
		if path, ok := lw.reaches(c.name, to, seen); ok {
			return append([]string{strconv.Quote(from)}, path...), true
		}
	}
	return nil, false
}

// problem records msg at node n of the tree being walked.
func (lw *loopWalk) problem(n parse.Node, msg string) {
	lw.ps = append(lw.ps, at(lw.dir, lw.tree, n, msg))
}

// at is msg as a problem at node n of tree t, in folder dir.
func at(dir string, t *parse.Tree, n parse.Node, msg string) drip.Problem {
	loc, _ := t.ErrorContext(n)
	file, line := t.ParseName, 0
	if parts := strings.Split(loc, ":"); len(parts) >= 2 {
		file = parts[0]
		line, _ = strconv.Atoi(parts[1])
	}
	return drip.Problem{File: dir + file, Line: line, Msg: msg}
}
