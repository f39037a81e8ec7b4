// Package auth holds who may do what in Kaval: users and their roles, the
// permission table, password hashing, API tokens, browser sessions, login
// lockouts and the append-only, hash-chained audit log.
//
// The rest of the code asks one question, Principal.Can(perm), and station
// officers' queries are narrowed with Principal.ScopeUnit. Everything that
// changes state on behalf of a person writes an audit entry (Audit or
// AuditTx) in the same transaction as the change.
package auth

import (
	"fmt"
	"slices"
)

// Role is a user's job on the desk. The set is fixed: permissions are
// granted to roles in the table below, never to individual users, so an
// auditor can read who may do what from this one file.
type Role string

const (
	RoleAdmin          Role = "admin"
	RoleSupervisor     Role = "supervisor"
	RoleAgent          Role = "agent"
	RoleStationOfficer Role = "station_officer"
	RoleAnalyst        Role = "analyst"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleAgent, RoleStationOfficer, RoleAnalyst}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", &ValidationError{Field: "role", Message: fmt.Sprintf("unknown role %q (want one of admin, supervisor, agent, station_officer, analyst)", s)}
}

// Perm is one thing a route or an action needs. Routes declare the Perm
// they need beside their pattern; handlers ask Principal.Can for finer
// decisions (e.g. "list all tokens, not only mine").
type Perm string

const (
	// Pseudo-permissions for routes: PermPublic needs no login at all;
	// PermAuthenticated needs any logged-in user (me, logout, own password).
	PermPublic        Perm = "public"
	PermAuthenticated Perm = "authenticated"

	PermCasesRead       Perm = "cases:read"       // see cases and their posts (station officers: own unit only)
	PermCasesWrite      Perm = "cases:write"      // status, comments, tags, category, merge
	PermCasesAssign     Perm = "cases:assign"     // assign/reassign to people, teams and units
	PermRepliesSend     Perm = "replies:send"     // draft and send replies to citizens
	PermRepliesApprove  Perm = "replies:approve"  // approve sensitive replies and posts
	PermPostsRead       Perm = "posts:read"       // the raw stream and listening results
	PermPIIView         Perm = "pii:view"         // phone numbers, Aadhaar, addresses unredacted
	PermAnalyticsRead   Perm = "analytics:read"   // dashboards, trends, reports
	PermIncidentsManage Perm = "incidents:manage" // open and run crisis rooms
	PermPublish         Perm = "publish:write"    // compose advisories and campaigns
	PermTemplatesManage Perm = "templates:manage" // canned replies
	PermQueriesManage   Perm = "queries:manage"   // write and propose listening queries, preview them over history
	PermQueriesApprove  Perm = "queries:approve"  // approve or reject others' listening queries (never one's own)
	PermRulesManage     Perm = "rules:manage"     // automation rules
	PermUnitsRead       Perm = "units:read"       // the force hierarchy and jurisdictions
	PermUnitsManage     Perm = "units:manage"
	PermChannelsManage  Perm = "channels:manage" // connected accounts and their secrets
	PermUsersManage     Perm = "users:manage"    // users, roles, everyone's tokens
	PermAuditRead       Perm = "audit:read"
	PermTokensOwn       Perm = "tokens:own"    // create, list and revoke one's own API tokens
	PermCitizensLink    Perm = "citizens:link" // link platform identities into one citizen profile (desk work, not a station's)
	PermStationWork     Perm = "station:work"  // a station's own queue of escalated cases and the action taken
	PermAlertsAck       Perm = "alerts:ack"    // acknowledge the watch floor's alerts (seeing them is analytics:read)
)

// The shift's own work (issue 13).
const (
	PermShiftsWork   Perm = "shifts:work"       // clock in and out, read and acknowledge the handover, write one's shift's note
	PermShiftsManage Perm = "shifts:manage"     // teams, agents' capacity and skills, the shift pattern, the live board, trainees' scores
	PermTraining     Perm = "training:practice" // practise on the training sandbox (never the live desk)
)

// Crisis rooms (issue 14): opening, running and closing one is
// incidents:manage; a rebuttal's approval is replies:approve (never one's
// own request); surge mode changes triage and speaks for the force in
// bulk, so it is a permission of its own.
const (
	PermCrisisSurge Perm = "crisis:surge" // switch a crisis room's surge mode on or off
)

// The reports' e-mail schedules (issue 14); reading reports is analytics:read.
const PermReportsSchedule Perm = "reports:schedule"

// Perms lists every real permission (not the pseudo ones).
var Perms = []Perm{
	PermCasesRead, PermCasesWrite, PermCasesAssign, PermRepliesSend, PermRepliesApprove,
	PermPostsRead, PermPIIView, PermAnalyticsRead, PermIncidentsManage, PermPublish,
	PermTemplatesManage, PermQueriesManage, PermRulesManage, PermUnitsRead, PermUnitsManage,
	PermChannelsManage, PermUsersManage, PermAuditRead, PermTokensOwn, PermCitizensLink, PermQueriesApprove, PermStationWork,
	PermShiftsWork, PermShiftsManage, PermTraining,
	PermAlertsAck,
	PermCrisisSurge,
	PermReportsSchedule,
}

// rolePerms is THE table of who may do what.
//
//	admin            everything.
//	supervisor       runs the shift: every case, assignment, approvals, PII,
//	                 templates, listening queries, rules, incidents, analytics.
//	agent            works the inbox: reads and updates cases, sends replies
//	                 (sensitive ones wait for a supervisor), drafts posts.
//	                 No PII: agents reply on-platform, they don't call people.
//	station_officer  cases escalated to their own unit only (ScopeUnit), may
//	                 record action and see PII to contact the citizen.
//	analyst          dashboards and the stream; cases read-only, redacted;
//	                 writes listening queries, which a supervisor approves.
var rolePerms = map[Role][]Perm{
	RoleAdmin: Perms,
	RoleSupervisor: {
		PermCasesRead, PermCasesWrite, PermCasesAssign, PermRepliesSend, PermRepliesApprove,
		PermPostsRead, PermPIIView, PermAnalyticsRead, PermIncidentsManage, PermPublish,
		PermTemplatesManage, PermQueriesManage, PermQueriesApprove, PermRulesManage, PermUnitsRead, PermTokensOwn, PermCitizensLink,
		PermShiftsWork, PermShiftsManage, PermTraining,
		PermAlertsAck, PermCrisisSurge, PermReportsSchedule,
	},
	RoleAgent: {
		PermCasesRead, PermCasesWrite, PermRepliesSend, PermPostsRead, PermPublish,
		PermUnitsRead, PermTokensOwn, PermCitizensLink, PermShiftsWork, PermTraining,
	},
	RoleStationOfficer: {
		PermCasesRead, PermCasesWrite, PermPIIView, PermUnitsRead, PermTokensOwn, PermStationWork,
	},
	RoleAnalyst: {
		PermCasesRead, PermPostsRead, PermAnalyticsRead, PermUnitsRead, PermTokensOwn, PermQueriesManage,
		PermAlertsAck,
	},
}

// PermSet is a set of permissions as a bitmask over Perms.
type PermSet uint64

var permBit = func() map[Perm]PermSet {
	m := make(map[Perm]PermSet, len(Perms))
	for i, p := range Perms {
		m[p] = 1 << i
	}
	return m
}()

// Has reports whether p is in the set. Pseudo-permissions: PermPublic and
// PermAuthenticated are always held by a Principal.
func (s PermSet) Has(p Perm) bool {
	if p == PermPublic || p == PermAuthenticated {
		return true
	}
	b, ok := permBit[p]
	return ok && s&b != 0
}

// List returns the permissions in the set in table order.
func (s PermSet) List() []Perm {
	var out []Perm
	for _, p := range Perms {
		if s.Has(p) {
			out = append(out, p)
		}
	}
	return out
}

// PermsOf returns the permissions a role holds; an unknown role holds none.
func PermsOf(r Role) PermSet {
	var s PermSet
	for _, p := range rolePerms[r] {
		s |= permBit[p]
	}
	return s
}

// KnownPerm reports whether p is a real or pseudo permission.
func KnownPerm(p Perm) bool {
	_, ok := permBit[p]
	return ok || p == PermPublic || p == PermAuthenticated
}
