#!/usr/bin/env bash
# Deploy or upgrade one académie on Kubernetes, the migrations first
# (docs/operations.md, "Kubernetes"):
#   deploy/k8s/rollout.sh deploy/k8s/overlays/<académie>
# 1. applies what the migrations and the processes need (the ConfigMaps of this
#    version, the RabbitmqCluster, Redis) and runs the migration Job of this version
#    to completion; stops there if it fails: the running version keeps serving;
# 2. applies everything else (the services' and the gateway's Deployments,
#    autoscalers, PodDisruptionBudgets, Service, Ingress) and waits for every rollout.
# A new pod would not start anyway on a database behind its version: each
# Deployment's init container runs `python -m common.migrate --check <service>`.
set -euo pipefail
overlay=${1:?usage: deploy/k8s/rollout.sh deploy/k8s/overlays/<académie>}
kubectl=${KUBECTL:-kubectl}
rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
$kubectl kustomize "$overlay" > "$rendered"
namespace=$(sed -n 's/^  namespace: //p' "$rendered" | head -1)
component=app.kubernetes.io/component

echo "== $namespace : migrations"
# A Job's pod template cannot change: the previous version's Job goes first.
$kubectl -n "$namespace" delete job scolarite-migrate --ignore-not-found --wait=true
$kubectl apply -f "$rendered" -l "$component notin (service,gateway)"
if ! $kubectl -n "$namespace" wait --for=condition=complete job/scolarite-migrate --timeout=30m; then
  echo "Les migrations ont échoué : rien d'autre n'est changé. Journal :" >&2
  $kubectl -n "$namespace" logs job/scolarite-migrate --tail=50 >&2 || true
  exit 1
fi
echo "== $namespace : services et passerelle"
$kubectl apply -f "$rendered"
$kubectl -n "$namespace" rollout status deployment -l app.kubernetes.io/part-of=scolarite-services --timeout=15m
