//! Links between issues: refused cycles, and links shown from both ends.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn links_refuse_cycles_and_show_both_ways() {
    let (dir, svc) = setup_project().await;
    let a = create(&svc, "A", json!({})).await;
    let b = create(&svc, "B", json!({})).await;
    let c = create(&svc, "C", json!({})).await;
    let d = create(&svc, "D", json!({})).await;

    let link = |from: &str, to: &str, kind: &str, action: &str| json!({"issue_key": from, "target_key": to, "kind": kind, "action": action});
    let l = ok(&svc, "pm_link_issues", link(&a, &b, "blocks", "add")).await;
    assert_eq!(
        (l["linked"].clone(), l["changed"].clone()),
        (json!(true), json!(true))
    );
    let l = ok(&svc, "pm_link_issues", link(&a, &b, "blocks", "add")).await;
    assert_eq!(
        l["changed"], false,
        "adding an existing link changes nothing"
    );
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": b, "to_issue": c, "link_type": "blocks"}),
    )
    .await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&c, &a, "blocks", "add"),
        "target_key",
    )
    .await;
    assert!(m.contains("cycle"), "{m}");
    assert!(m.contains(&format!("{c} → {a} → {b} → {c}")), "{m}");
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&b, &a, "blocks", "add"),
        "target_key",
    )
    .await;
    assert!(m.contains(&format!("{b} → {a} → {b}")), "{m}");
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&a, &a, "relates", "add"),
        "target_key",
    )
    .await;
    assert!(m.contains("itself"), "{m}");
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&a, &d, "parent_of", "add"),
        "kind",
    )
    .await;
    assert!(
        m.contains("blocks, relates, duplicates, discovered_from"),
        "{m}"
    );
    let e = fail(&svc, "pm_link_issues", link(&a, "PM-99", "relates", "add")).await;
    assert_eq!(e.code(), "not_found");
    assert_unchanged(&svc, &dir, &before, "pm_link_issues").await;

    // blocks show as depends_on / blocks; the chain makes C wait.
    let dc = get(&svc, &c).await;
    assert_eq!(keys(&dc["depends_on"]), vec![b.clone()]);
    assert_eq!(dc["ready"], false);
    let db = get(&svc, &b).await;
    assert_eq!(keys(&db["depends_on"]), vec![a.clone()]);
    assert_eq!(keys(&db["blocks"]), vec![c.clone()]);

    // relates shows under related on both sides.
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": a, "related_issue": d, "relationship": "relates"}),
    )
    .await;
    let da = get(&svc, &a).await;
    assert_eq!(keys(&da["related"]), vec![d.clone()]);
    assert_eq!(da["related"][0]["direction"], "outgoing");
    assert_eq!(da["related"][0]["kind"], "relates");
    let dd = get(&svc, &d).await;
    assert_eq!(keys(&dd["related"]), vec![a.clone()]);
    assert_eq!(dd["related"][0]["direction"], "incoming");
    assert_eq!(dd["ready"], true, "relates does not block");
    // Both ends record the link.
    assert_eq!(
        history_types(&svc, &d).await.last().unwrap(),
        "issue_linked"
    );
    assert_eq!(
        history_types(&svc, &a).await.last().unwrap(),
        "issue_linked"
    );

    // Remove.
    let r = ok(&svc, "pm_link_issues", link(&a, &d, "relates", "remove")).await;
    assert_eq!(
        (r["linked"].clone(), r["changed"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(get(&svc, &d).await["related"], json!([]));
    assert_eq!(
        history_types(&svc, &d).await.last().unwrap(),
        "issue_unlinked"
    );
    let r = ok(&svc, "pm_link_issues", link(&a, &d, "relates", "remove")).await;
    assert_eq!(r["changed"], false);

    // With A → B gone, C blocks A no longer closes a cycle.
    ok(&svc, "pm_link_issues", link(&a, &b, "blocks", "remove")).await;
    ok(&svc, "pm_link_issues", link(&c, &a, "blocks", "add")).await;
    assert_eq!(keys(&get(&svc, &a).await["depends_on"]), vec![c.clone()]);
}
