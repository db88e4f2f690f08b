//! Redis as an operator runs it when one machine must not stop the chat: a primary with replicas,
//! watched by three Redis Sentinels (quorum two) that promote a replica when the primary dies. All
//! real `redis-server` processes (the sentinels are `redis-server --sentinel`), on loopback ports
//! the system just gave out (replication and Sentinel speak TCP only), each with a folder of its
//! own under one folder gone with the handle. Quick to decide, as a test wants it: a primary is
//! down after a second without an answer.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::{Child, Command};

use crate::{free_ports, until};

/// The name the sentinels watch the primary under (the relay's `REDIS_SENTINEL_PRIMARY` default).
pub const PRIMARY_NAME: &str = "zchat";

pub struct Sentinels {
    dir: PathBuf,
    /// Each Redis's port, and its process while it runs.
    redis: Vec<(u16, Option<Child>)>,
    sentinels: Vec<(u16, Child)>,
}

impl Sentinels {
    /// A primary and `replicas` replicas, all in sync, and three sentinels that agree on them.
    /// The ports are free ones the system just gave out: one taken meanwhile (by another test),
    /// the group is started again on others.
    pub async fn start(replicas: usize) -> Sentinels {
        for _attempt in 0..3 {
            if let Some(group) = Sentinels::try_start(replicas).await {
                return group;
            }
        }
        panic!("the Redis and sentinels did not start in three tries (ports taken?)");
    }

    async fn try_start(replicas: usize) -> Option<Sentinels> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("zchat-sentinels-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ports = free_ports(replicas + 4);
        let (redis_ports, sentinel_ports) = ports.split_at(replicas + 1);
        let mut group = Sentinels { dir, redis: redis_ports.iter().map(|port| (*port, None)).collect(), sentinels: Vec::new() };
        let primary = redis_ports[0];
        for index in 0..group.redis.len() {
            if !group.start_redis(index, (index > 0).then_some(primary)).await {
                return None;
            }
        }
        let replicated = group.connection(primary).await;
        until("the replicas to be in sync", || async {
            let info: String = ask(&replicated, redis::cmd("INFO").arg("replication")).await?;
            (info.matches(",state=online,").count() == replicas).then_some(())
        })
        .await;
        for port in sentinel_ports {
            let sentinel_dir = group.dir.join(format!("sentinel-{port}"));
            std::fs::create_dir_all(&sentinel_dir).unwrap();
            let config = sentinel_dir.join("sentinel.conf");
            // Sentinel rewrites its file as it learns (the other sentinels, the replicas, a new primary).
            std::fs::write(
                &config,
                format!(
                    "port {port}\nbind 127.0.0.1\ndir {dir}\nsentinel monitor {PRIMARY_NAME} 127.0.0.1 {primary} 2\n\
                     sentinel down-after-milliseconds {PRIMARY_NAME} 1000\nsentinel failover-timeout {PRIMARY_NAME} 5000\n\
                     sentinel parallel-syncs {PRIMARY_NAME} 2\n",
                    dir = sentinel_dir.display()
                ),
            )
            .unwrap();
            let mut process = Command::new("redis-server")
                .arg(&config)
                .arg("--sentinel")
                .stdout(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("redis-server (scripts/setup.sh installs it)");
            if !listening(&mut process, *port).await {
                return None;
            }
            group.sentinels.push((*port, process));
        }
        // Every sentinel knows every replica and the other sentinels: a failover can be decided.
        for (port, _) in &group.sentinels {
            let sentinel = group.connection(*port).await;
            until("the sentinels to know each other and the replicas", || async {
                let primary: Vec<String> = ask(&sentinel, redis::cmd("SENTINEL").arg("master").arg(PRIMARY_NAME)).await?;
                let field = |name: &str| primary.chunks(2).find(|pair| pair[0] == name).and_then(|pair| pair[1].parse::<usize>().ok());
                (field("num-slaves")? == replicas && field("num-other-sentinels")? == 2).then_some(())
            })
            .await;
        }
        Some(group)
    }

    /// Starts the Redis `index`, a replica of `replica_of`'s if given; whether it listens (not
    /// another process on its port).
    async fn start_redis(&mut self, index: usize, replica_of: Option<u16>) -> bool {
        let port = self.redis[index].0;
        let redis_dir = self.dir.join(format!("redis-{port}"));
        std::fs::create_dir_all(&redis_dir).unwrap();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            // A replica's first sync starts at once (Redis waits 5 s by default for more replicas).
            .args(["--repl-diskless-sync-delay", "0"])
            .arg("--dir")
            .arg(&redis_dir);
        if let Some(primary) = replica_of {
            command.args(["--replicaof", "127.0.0.1", &primary.to_string()]);
        }
        let mut process = command.stdout(Stdio::null()).kill_on_drop(true).spawn().expect("redis-server (scripts/setup.sh installs it)");
        let ours = listening(&mut process, port).await;
        self.redis[index].1 = Some(process);
        ours
    }

    async fn connection(&self, port: u16) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
        until("a connection", || async { client.get_multiplexed_async_connection().await.ok() }).await
    }

    /// The sentinels' addresses, as the relay's `REDIS_SENTINELS` takes them.
    pub fn addresses(&self) -> String {
        self.sentinels.iter().map(|(port, _)| format!("127.0.0.1:{port}")).collect::<Vec<_>>().join(",")
    }

    /// The port of the Redis the sentinels name the primary now.
    pub async fn primary(&self) -> u16 {
        let sentinel = self.connection(self.sentinels[0].0).await;
        let (_, port): (String, u16) =
            ask(&sentinel, redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(PRIMARY_NAME)).await.expect("the sentinels name a primary");
        port
    }

    /// The ports of the replicas that run now.
    pub async fn replicas(&self) -> Vec<u16> {
        let primary = self.primary().await;
        self.redis.iter().filter(|(port, process)| *port != primary && process.is_some()).map(|(port, _)| *port).collect()
    }

    /// Stops the Redis on `port` where it is (SIGSTOP: it answers nothing, as behind a link that
    /// stalled), or lets it go on (SIGCONT).
    pub fn freeze(&self, port: u16, frozen: bool) {
        let (_, process) = self.redis.iter().find(|(p, _)| *p == port).expect("one of ours");
        let pid = process.as_ref().and_then(Child::id).expect("it runs");
        let signal = if frozen { "-STOP" } else { "-CONT" };
        assert!(std::process::Command::new("kill").arg(signal).arg(pid.to_string()).status().unwrap().success());
    }

    /// Cuts the replicas off: each frozen, and its link dropped by the primary (what the primary
    /// wrote to a frozen replica's socket would still be read once it goes on), so that whatever
    /// the primary takes now, it alone has. Their ports, for [`Sentinels::freeze`] to let go.
    pub async fn cut_off_replicas(&self) -> Vec<u16> {
        let replicas = self.replicas().await;
        for replica in &replicas {
            self.freeze(*replica, true);
        }
        let primary = self.connection(self.primary().await).await;
        let dropped: Option<()> = ask(&primary, redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("replica")).await;
        dropped.expect("the primary drops its replicas' links");
        replicas
    }

    /// Kills the primary as a machine dies (SIGKILL: no goodbye to the replicas); its port.
    pub async fn kill_primary(&mut self) -> u16 {
        let port = self.primary().await;
        let (_, process) = self.redis.iter_mut().find(|(p, _)| *p == port).expect("the primary is one of ours");
        let mut process = process.take().expect("the primary runs");
        process.kill().await.unwrap();
        let _ = process.wait().await;
        port
    }

    /// Waits until the sentinels name a primary other than `port`; its port.
    pub async fn promoted_other_than(&self, port: u16) -> u16 {
        let sentinel = self.connection(self.sentinels[0].0).await;
        until("a replica to be promoted", || async {
            let (_, now): (String, u16) = ask(&sentinel, redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(PRIMARY_NAME)).await?;
            (now != port).then_some(now)
        })
        .await
    }

    /// Starts the Redis that was on `port` again, empty, as a restarted machine's, configured as a
    /// replica of the primary of the moment (the sentinels would make it one by themselves, about
    /// ten seconds later); returns once it is in sync and the sentinels count it.
    pub async fn restart(&mut self, port: u16) {
        let index = self.redis.iter().position(|(p, _)| *p == port).expect("one of ours");
        let primary = self.primary().await;
        assert!(self.start_redis(index, Some(primary)).await, "Redis back on port {port} (taken meanwhile?)");
        let back = self.connection(port).await;
        until("the restarted Redis to be a replica in sync", || async {
            let info: String = ask(&back, redis::cmd("INFO").arg("replication")).await?;
            info.contains("master_link_status:up").then_some(())
        })
        .await;
        let running = self.redis.iter().filter(|(_, process)| process.is_some()).count();
        for (port, _) in &self.sentinels {
            let sentinel = self.connection(*port).await;
            until("the sentinels to count it", || async {
                let replicas: Vec<Vec<String>> = ask(&sentinel, redis::cmd("SENTINEL").arg("replicas").arg(PRIMARY_NAME)).await?;
                let up = replicas.iter().filter(|fields| fields.chunks(2).any(|pair| pair[0] == "flags" && pair[1] == "slave")).count();
                (up == running - 1).then_some(())
            })
            .await;
        }
    }
}

impl Drop for Sentinels {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `process` (a `redis-server`) answers on `port`, by its process id: false if it ended
/// (its port was taken) or another process answers there.
async fn listening(process: &mut Child, port: u16) -> bool {
    let pid = process.id().expect("just started");
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let started = std::time::Instant::now();
    loop {
        if let Ok(Some(_)) = process.try_wait() {
            return false;
        }
        if let Ok(mut connection) = client.get_multiplexed_async_connection().await {
            if let Ok(info) = redis::cmd("INFO").arg("server").query_async::<String>(&mut connection).await {
                return info.lines().any(|line| line.trim() == format!("process_id:{pid}"));
            }
        }
        assert!(started.elapsed() < crate::DEADLINE, "timed out waiting for redis-server on {port} to answer or end");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// `command`'s answer on (a clone of) `connection`, or none.
async fn ask<T: redis::FromRedisValue>(connection: &redis::aio::MultiplexedConnection, command: &mut redis::Cmd) -> Option<T> {
    command.query_async(&mut connection.clone()).await.ok()
}
