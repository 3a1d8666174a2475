#!/usr/bin/env bash
# Loads plugin/target/release-pilot.hpi into the real Jenkins 2.516.2 controller of ../shared/jenkins
# and checks what JenkinsRule tests cannot: there every class sits on one flat class path, here the
# plugin has its own class loader beside the 45 plugins, as on a user's controller.
#   1. the log has no "Failed to load" and the plugin is active;
#   2. the global configuration page renders the plugin's section;
#   3. a sandboxed Pipeline runs dbSnapshot (a dry run: the agent launcher, the credentials lookup,
#      the bundled SQLite driver and Flyway opening the default audit store) and a step given bad input
#      fails with the engine's sentence, not a class-loading error;
#   4. rollbackOnAlert with a block resolves through its global variable's Groovy class.
# Usage (from the repository root, after `../shared/jenkins/mvn -Pjenkins -DskipTests package`):
#   bash plugin/src/test/sh/hpi-loads-into-jenkins.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)     # plugin/
JENKINS=$(cd "$ROOT/../../shared/jenkins" && pwd)
HPI=$ROOT/target/release-pilot.hpi
[ -f "$HPI" ] || { echo "FAIL: $HPI is missing: build it with ../shared/jenkins/mvn -Pjenkins -DskipTests package" >&2; exit 1; }

DIR=$(mktemp -d /tmp/rp-hpi-load-XXXXXX)
cleanup() { "$JENKINS/stop" "$DIR" >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- jenkins.log (tail)" >&2; tail -40 "$DIR/jenkins.log" >&2 || true; exit 1; }

url=$("$JENKINS/start" "$DIR" --plugin "$HPI")
tok=$(cat "$DIR/home/admin-api-token")
api() { curl -sf -u "admin:$tok" "$@"; }

# 1. loaded and active
if grep -n "Failed to load" "$DIR/jenkins.log"; then fail "Jenkins could not load a plugin"; fi
api "${url}pluginManager/api/json?depth=1&tree=plugins%5BshortName,active%5D" \
  | python3 -c 'import json,sys; p=[x for x in json.load(sys.stdin)["plugins"] if x["shortName"]=="release-pilot"]; sys.exit(0 if p and p[0]["active"] else 1)' \
  || fail "release-pilot is not an active plugin"
echo "ok: release-pilot loaded and active"

# 2. the configure page renders our section
page=$(api "${url}manage/configure") || fail "the global configuration page does not open"
grep -q "Checkpoint signing key" <<<"$page" || fail "the global configuration page has no Release Pilot section"
echo "ok: global configuration renders"

# 3. steps run in a sandboxed Pipeline
api -X POST "${url}credentials/store/system/domain/_/createCredentials" --data-urlencode \
  'json={"": "0", "credentials": {"scope": "GLOBAL", "id": "shop-db", "username": "shop", "password": "s3cret-pw", "$class": "com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl"}}' \
  >/dev/null || fail "could not create credentials"
job() {
  local name=$1 script=$2
  local xml="<flow-definition plugin=\"workflow-job\"><definition class=\"org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition\" plugin=\"workflow-cps\"><script>$script</script><sandbox>true</sandbox></definition></flow-definition>"
  api -X POST -H 'Content-Type: application/xml' --data-binary "$xml" "${url}createItem?name=$name" >/dev/null || fail "could not create job $name"
  api -X POST "${url}job/$name/build" >/dev/null || fail "could not start job $name"
  for _ in $(seq 1 120); do
    state=$(api "${url}job/$name/1/api/json?tree=result,building" 2>/dev/null || true)
    if grep -q '"building":false' <<<"$state"; then break; fi
    sleep 1
  done
  echo "$state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])'
}
result=$(job snapshot "node { writeFile file: 'README', text: 'workspace'; def dump = dbSnapshot engine: 'postgres', host: '127.0.0.1', port: 5432, database: 'shop', credentialsId: 'shop-db', outputDir: '.', service: 'shop', dryRun: true; echo \"would write \${dump}\" }")
log=$(api "${url}job/snapshot/1/consoleText")
[ "$result" = SUCCESS ] || { echo "$log" >&2; fail "the dbSnapshot dry run ended $result"; }
grep -q "would write .*rp-shop-" <<<"$log" || { echo "$log" >&2; fail "dbSnapshot returned no dump path"; }
if grep -q "s3cret-pw" <<<"$log"; then fail "the database password reached the console"; fi
echo "ok: dbSnapshot dry run in a sandboxed Pipeline"

result=$(job badinput "node { buildImage tags: ['Not A Tag'] }")
log=$(api "${url}job/badinput/1/consoleText")
[ "$result" = FAILURE ] || fail "buildImage with a bad tag ended $result"
grep -q "invalid tag: 'Not A Tag'" <<<"$log" || { echo "$log" >&2; fail "buildImage did not fail with the engine's message"; }

# rollbackOnAlert's block form is a global variable whose Groovy class Pipeline compiles from the
# plugin's jar: reaching the step's own validation (the window, checked before the body runs) shows
# that the class loaded through the allowlist and that the call with a block went to the step.
result=$(job guarded "rollbackOnAlert(namespace: 'shop', deployment: 'web', prometheusUrl: 'http://127.0.0.1:9', alerts: ['HighErrorRate'], window: 'soon') { echo 'guarded body ran' }")
log=$(api "${url}job/guarded/1/consoleText")
[ "$result" = FAILURE ] || { echo "$log" >&2; fail "rollbackOnAlert with a block and a bad window ended $result"; }
grep -q "\[rollbackOnAlert\] invalid window: 'soon'" <<<"$log" || { echo "$log" >&2; fail "rollbackOnAlert with a block did not reach the step"; }
if grep -q "guarded body ran" <<<"$log"; then fail "the guarded body ran although the watch was refused"; fi
if grep -n "Preventing .*RollbackOnAlertDsl.groovy" "$DIR/jenkins.log"; then fail "Pipeline refused the plugin's Groovy class"; fi
echo "ok: rollbackOnAlert(...) { body } reaches the guard step in a sandboxed Pipeline"

if grep -nE "NoClassDefFoundError|ClassNotFoundException|LinkageError" "$DIR/jenkins.log"; then fail "class loading errors in the log"; fi
echo "ok: bad input fails with the engine's sentence"
