//! Projects and their submodules: registering, listing, resolving a project
//! by key, slug or working directory, and submodules with reassignment.

use lazypm_service::Context;
use serde_json::{Value, json};

use crate::common::*;

// ------------------------------------------------------------- submodules

#[tokio::test]
async fn submodules_add_list_and_remove_with_reassignment() {
    let (dir, svc) = setup_project().await;
    let out = ok(
        &svc,
        "pm_add_submodule",
        json!({"name": "api", "description": "the server"}),
    )
    .await;
    assert_eq!(out["project"], "PM");
    assert_eq!(out["submodules"][0]["name"], "api");
    assert_eq!(out["submodules"][0]["path"], "api");
    ok(
        &svc,
        "pm_add_submodule",
        json!({"name": "web", "path": "apps/web"}),
    )
    .await;

    let before = snapshot(&svc, &dir).await;
    invalid(&svc, "pm_add_submodule", json!({"name": "api"}), "name").await;
    invalid(
        &svc,
        "pm_add_submodule",
        json!({"name": "x", "path": "/etc"}),
        "path",
    )
    .await;
    invalid(
        &svc,
        "pm_add_submodule",
        json!({"name": "x", "path": "a/../../b"}),
        "path",
    )
    .await;
    invalid(&svc, "pm_remove_submodule", json!({"name": "nope"}), "name").await;
    let m = invalid(
        &svc,
        "pm_remove_submodule",
        json!({"name": "api", "reassign_to": "nope"}),
        "reassign_to",
    )
    .await;
    assert!(m.contains("api, web"), "{m}");
    invalid(
        &svc,
        "pm_remove_submodule",
        json!({"name": "api", "reassign_to": "api"}),
        "reassign_to",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "submodule operations").await;

    let a1 = create(&svc, "api one", json!({"module": "api"})).await;
    let a2 = create(&svc, "api two", json!({"module": "api"})).await;
    let w1 = create(&svc, "web one", json!({"module": "web"})).await;
    let none = create(&svc, "no module", json!({})).await;
    start(&svc, &a2).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": a2})).await;

    let l = ok(&svc, "pm_list_submodules", json!({})).await;
    let subs = l["submodules"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(
        (
            subs[0]["name"].clone(),
            subs[0]["open_issues"].clone(),
            subs[0]["total_issues"].clone()
        ),
        (json!("api"), json!(1), json!(2))
    );
    assert_eq!(subs[0]["description"], "the server");
    assert_eq!(
        (
            subs[1]["name"].clone(),
            subs[1]["path"].clone(),
            subs[1]["open_issues"].clone(),
            subs[1]["total_issues"].clone()
        ),
        (json!("web"), json!("apps/web"), json!(1), json!(1))
    );
    assert!(l.get("reassigned_issues").is_none());

    let r = ok(
        &svc,
        "pm_remove_submodule",
        json!({"name": "api", "reassign_to": "web"}),
    )
    .await;
    assert_eq!(r["reassigned_issues"], 2);
    assert_eq!(r["submodules"].as_array().unwrap().len(), 1);
    assert_eq!(r["submodules"][0]["name"], "web");
    assert_eq!(r["submodules"][0]["total_issues"], 3);
    assert_eq!(r["submodules"][0]["open_issues"], 2);
    let web = ok(
        &svc,
        "pm_list_issues",
        json!({"module": "web", "sort": "key"}),
    )
    .await;
    assert_eq!(
        keys(&web["issues"]),
        vec![a1.clone(), a2.clone(), w1.clone()]
    );
    assert_eq!(
        ok(&svc, "pm_list_issues", json!({"module": "api"})).await["issues"],
        json!([])
    );

    let r = ok(&svc, "pm_remove_submodule", json!({"name": "web"})).await;
    assert_eq!(r["reassigned_issues"], 3);
    assert_eq!(r["submodules"], json!([]));
    assert!(get(&svc, &a1).await["issue"]["module"].is_null());
    assert!(get(&svc, &none).await["issue"]["module"].is_null());
    let s = ok(&svc, "pm_status", json!({})).await;
    assert_eq!(s["by_module"], json!({"(none)": 4}));
}

// --------------------------------------------------------------- projects

#[tokio::test]
async fn projects_register_list_and_resolve() {
    let (dir, svc) = setup().await;
    // No project yet.
    let e = fail(&svc, "pm_status", json!({})).await;
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("pm_init_project"), "{e}");
    assert_eq!(
        ok(&svc, "pm_list_projects", json!({})).await["projects"],
        json!([])
    );
    invalid(&svc, "pm_init_project", json!({"key": "AB"}), "path").await;
    invalid(
        &svc,
        "pm_init_project",
        json!({"path": dir.path().join("missing").to_str().unwrap(), "key": "AB"}),
        "path",
    )
    .await;
    invalid(
        &svc,
        "pm_init_project",
        json!({"path": dir.path().to_str().unwrap(), "key": "a"}),
        "key",
    )
    .await;

    // A hand-made git layout is detected.
    let main = project_dir(&dir, "main-app");
    std::fs::create_dir_all(main.join(".git/refs/heads")).unwrap();
    std::fs::write(main.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(main.join(".git/refs/heads/main"), "0000\n").unwrap();
    std::fs::write(
        main.join(".git/config"),
        "[remote \"origin\"]\n\turl = git@example.com:team/main.git\n",
    )
    .unwrap();
    std::fs::write(
        main.join(".gitmodules"),
        "[submodule \"ui\"]\n\tpath = web/ui\n\turl = ../ui.git\n",
    )
    .unwrap();
    let p = ok(
        &svc,
        "pm_init_project",
        json!({"path": main.to_str().unwrap(), "description": "main thing"}),
    )
    .await;
    assert_eq!(p["project"]["key"], "MA", "derived from the directory name");
    assert_eq!(p["project"]["name"], "main-app");
    assert_eq!(p["project"]["slug"], "main-app");
    let meta = &p["project"]["metadata"];
    assert_eq!(meta["vcs"]["remote"], "git@example.com:team/main.git");
    assert_eq!(meta["vcs"]["default_branch"], "main");
    assert_eq!(meta["submodules"][0]["name"], "ui");
    assert_eq!(meta["submodules"][0]["path"], "web/ui");
    assert_eq!(meta["description"], "main thing");
    assert_eq!(meta["require_review"], false);

    let l = ok(&svc, "pm_list_projects", json!({})).await;
    assert_eq!(
        l["projects"],
        json!([{"key": "MA", "name": "main-app", "path": main.to_str().unwrap(), "current": true}])
    );

    // A second project by explicit registration.
    let other = project_dir(&dir, "other");
    let r = ok(
        &svc,
        "pm_register_project",
        json!({"project_id": "oth", "name": "Other Thing", "path": other.to_str().unwrap()}),
    )
    .await;
    assert_eq!(r["created"], true);
    assert_eq!(r["project"]["key"], "OTH");
    let again = ok(
        &svc,
        "pm_register_project",
        json!({"project_id": "OTH", "name": "Other Thing", "path": other.to_str().unwrap()}),
    )
    .await;
    assert_eq!(again["created"], false);

    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_register_project",
        json!({"project_id": "MA", "name": "Clash", "path": project_dir(&dir, "clash").to_str().unwrap()}),
    )
    .await;
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert!(e.to_string().contains("project key MA is taken"), "{e}");
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "NEW", "name": "Rel", "path": "relative/dir"}),
        "path",
    )
    .await;
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "1X", "name": "Bad", "path": other.to_str().unwrap()}),
        "project_id",
    )
    .await;
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "NEW", "name": "", "path": other.to_str().unwrap()}),
        "name",
    )
    .await;
    // Two projects, no hint which: create refuses, naming them.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "where?"}),
        "project_id",
    )
    .await;
    assert!(m.contains("MA, OTH"), "{m}");
    let e = fail(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "where?", "project_id": "ZZZ"}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("MA, OTH"), "{e}");
    assert_unchanged(&svc, &dir, &before, "project operations").await;

    // Nothing is current without a hint.
    let l = ok(&svc, "pm_list_projects", json!({})).await;
    let current = |l: &Value| -> Vec<String> {
        l["projects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["current"] == true)
            .map(|p| p["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&l["projects"]), vec!["MA", "OTH"]);
    assert!(current(&l).is_empty(), "{l}");
    // The context's project, or the one containing the working directory.
    let named = svc.with_context(Context {
        actor: ACTOR.into(),
        project: Some("oth".into()),
        cwd: None,
        ..Context::default()
    });
    assert_eq!(
        current(&ok(&named, "pm_list_projects", json!({})).await),
        vec!["OTH"]
    );
    let inside = svc.with_context(Context {
        actor: ACTOR.into(),
        project: None,
        cwd: Some(main.join("src/deep")),
        ..Context::default()
    });
    assert_eq!(
        current(&ok(&inside, "pm_list_projects", json!({})).await),
        vec!["MA"]
    );
    assert_eq!(create(&inside, "in main", json!({})).await, "MA-1");
    assert_eq!(create(&named, "in other", json!({})).await, "OTH-1");
    assert_eq!(
        create(&svc, "explicit", json!({"project_id": "oth"})).await,
        "OTH-2"
    );
    // Issues of one project do not show in another.
    let l = ok(&svc, "pm_list_issues", json!({"project_id": "OTH"})).await;
    assert_eq!(keys(&l["issues"]), vec!["OTH-1", "OTH-2"]);
    let l = ok(&svc, "pm_list_issues", json!({"project_id": "MA"})).await;
    assert_eq!(keys(&l["issues"]), vec!["MA-1"]);
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "cross", "project_id": "OTH", "parent": "MA-1"}),
        "parent",
    )
    .await;
}

#[tokio::test]
async fn a_project_slug_names_the_project() {
    let (dir, svc) = setup().await;
    let path = project_dir(&dir, "other");
    ok(
        &svc,
        "pm_register_project",
        json!({"project_id": "OTH", "name": "Other Thing", "path": path.to_str().unwrap()}),
    )
    .await;
    let s = ok(&svc, "pm_status", json!({"project_id": "other-thing"})).await;
    assert_eq!(s["project"], "OTH");
}

#[tokio::test]
async fn register_project_duplicate_key_names_the_project_id_field() {
    let (dir, svc) = setup_project().await;
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "PM", "name": "Clash", "path": project_dir(&dir, "clash").to_str().unwrap()}),
        "project_id",
    )
    .await;
}
