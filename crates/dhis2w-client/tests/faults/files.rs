//! Faults of the files around the app: the profiles file, the keyring during an edit, the disk.

use super::*;

pub async fn file_faults(m: &mut Matrix, si: &StandIn) {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("config/profiles.toml");
    m.hide
        .push((profiles.display().to_string(), "<config>/profiles.toml"));
    let ws = Workspace::with_stores(
        profiles.clone(),
        SecretStore::session_only(None),
        dir.path().join("data"),
    )
    .unwrap();
    let mut input = InstanceInput::new("Faults", si.base.clone(), AuthKind::Basic);
    input.username = Some(si.fx("/users/admin/username"));
    input.password = Some(Secret::new(si.fx("/users/admin/password")));
    let id = ws.add_instance(&input).await.unwrap().id;

    // Deleted while the app runs: the list is empty (another program removed it), the next
    // change writes a new file.
    std::fs::remove_file(&profiles).unwrap();
    assert!(ws.listing().await.unwrap().instances.is_empty());
    let again = ws.add_instance(&input).await.unwrap();
    assert!(profiles.is_file());
    m.absorbed(
        "the profiles file deleted while the app runs",
        "the list shows what the file now holds (nothing); adding an instance writes a new file",
        "instances added afterwards are saved",
    );
    let _ = id;

    // The keyring refuses to store (locked, or access denied) during an edit.
    let mut edited = input.clone();
    edited.name = "Renamed".into();
    edited.password = Some(Secret::new("another-password"));
    ws.secrets().refuse_writes(true);
    let e = ws.edit_instance(&again.id, &edited).await.unwrap_err();
    ws.secrets().refuse_writes(false);
    assert_eq!(ws.instance(&again.id).await.unwrap().name, "Faults");
    m.failed(
        "the keyring refuses to store a secret (locked, access denied) during an edit",
        &e,
        ErrorKind::StorageUnavailable,
        "the instance's settings and its old password are put back as they were",
    );

    // Made read-only while the app runs (by a person or the organisation's IT): respected,
    // even by root, whom file modes do not stop.
    let before = std::fs::read(&profiles).unwrap();
    let mut second = input.clone();
    second.name = "Faults 2".into();
    let mut perms = std::fs::metadata(&profiles).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&profiles, perms.clone()).unwrap();
    let e = ws.add_instance(&second).await.unwrap_err();
    assert_eq!(std::fs::read(&profiles).unwrap(), before);
    assert_eq!(ws.listing().await.unwrap().instances.len(), 1);
    m.failed(
        "the profiles file made read-only while the app runs",
        &e,
        ErrorKind::FileNotWritable,
        "the file is not touched and the list still shows; once writable, adding works",
    );
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&profiles, perms).unwrap();
    let third = ws.add_instance(&second).await.unwrap();

    // The disk full while saving: the old file stays whole, no temporary file is left.
    let before = std::fs::read(&profiles).unwrap();
    let mut renamed = input.clone();
    renamed.name = "Never saved".into();
    dhis2w_client::fsio::simulate_disk_full(true);
    let e = ws.edit_instance(&third.id, &renamed).await.unwrap_err();
    dhis2w_client::fsio::simulate_disk_full(false);
    assert_eq!(std::fs::read(&profiles).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(profiles.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    m.failed(
        "the disk full while saving the instance list",
        &e,
        ErrorKind::DiskFull,
        "the file keeps its last good contents; saving works once there is space",
    );
    ws.edit_instance(&third.id, &renamed).await.unwrap();

    // Replaced by a folder while the app runs.
    std::fs::remove_file(&profiles).unwrap();
    std::fs::create_dir_all(profiles.join("kept")).unwrap();
    let e = ws.listing().await.unwrap_err();
    m.failed(
        "the profiles file replaced by a folder while the app runs",
        &e,
        ErrorKind::ProfileFile,
        "the folder is left as it is; the app keeps running",
    );
    assert!(profiles.join("kept").is_dir());
    let e = ws.add_instance(&input).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ProfileFile);
}
