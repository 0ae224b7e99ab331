import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * confgate's fleet, arrival schedule and login transaction through the real HikariCP, for
 * the conformance harness (run.sh). Reads the file `confgate run --schedule-out` writes,
 * starts one HikariDataSource per instance one after another, drives the logins open-loop
 * on the schedule (round robin over the instances that started), samples pg_stat_activity
 * every 100 ms, and writes a JSON summary shaped like `confgate run --output`'s "summary".
 *
 * java -cp HikariCP.jar:postgresql.jar:slf4j-api.jar:slf4j-simple.jar:. Fleet \
 *   --schedule FILE --host 127.0.0.1 --port PORT --start crash|serve --out FILE
 */
public final class Fleet {
    record Arrival(long offsetMicros, int user, boolean bad, String phase) {}
    record Outcome(String kind, String sqlState) {}

    static final class Tally { long count; long firstAt = Long.MAX_VALUE; final Map<String, Long> byPhase = new TreeMap<>(); }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        Map<String, String> s = new HashMap<>();
        List<Arrival> arrivals = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(opt.get("schedule")))) {
            if (line.startsWith("# ") && line.contains("=")) {
                s.put(line.substring(2, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            } else if (!line.startsWith("#") && !line.startsWith("offset_us") && !line.isBlank()) {
                String[] f = line.split(",");
                arrivals.add(new Arrival(Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2].equals("1"), f[3]));
            }
        }
        String host = opt.getOrDefault("host", "127.0.0.1"), port = opt.get("port");
        String startPolicy = opt.getOrDefault("start", "serve");
        String app = s.get("application_name");
        int instances = Integer.parseInt(s.get("instances")) * Integer.parseInt(s.get("processes"));
        long requestTimeoutMicros = Long.parseLong(s.get("request_timeout_ms")) * 1000;
        long dbTimeMicros = Long.parseLong(s.get("db_time_us"));
        List<String> notes = new ArrayList<>();

        Connection monitor = DriverManager.getConnection(
            "jdbc:postgresql://" + host + ":" + port + "/auth?user=confgate&ApplicationName=confgate-monitor");

        // The fleet, started one instance after another (ServiceFleet.start): each once its pool
        // holds min_idle connections or stops growing (a full server: it keeps retrying).
        List<HikariDataSource> all = new ArrayList<>(), live = new ArrayList<>();
        for (int i = 1; i <= instances; i++) {
            HikariConfig c = new HikariConfig();
            c.setPoolName(app + "-" + i);
            c.setJdbcUrl("jdbc:postgresql://" + host + ":" + port + "/auth");
            c.setUsername("auth");
            c.setMaximumPoolSize(Integer.parseInt(s.get("max_size")));
            c.setMinimumIdle(Integer.parseInt(s.get("min_idle")));
            c.setConnectionTimeout(Long.parseLong(s.get("acquire_timeout_ms")));
            c.setIdleTimeout(Long.parseLong(s.get("idle_timeout_ms")));
            c.setMaxLifetime(Long.parseLong(s.get("max_lifetime_ms")));
            // crash: HikariCP's default, one attempt at construction, a failure throws (the
            // instance never takes traffic); serve: start anyway and connect in the background.
            c.setInitializationFailTimeout(startPolicy.equals("crash") ? 1 : -1);
            c.setAutoCommit(false);
            c.addDataSourceProperty("ApplicationName", app + "-" + i);
            long connectMs = Long.parseLong(s.get("connect_timeout_ms"));
            if (connectMs > 0) c.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, connectMs / 1000)));
            StringBuilder options = new StringBuilder();
            for (String key : List.of("statement_timeout", "idle_in_transaction_session_timeout")) {
                long ms = Long.parseLong(s.get(key + "_ms"));
                if (ms >= 0) options.append(options.length() > 0 ? " " : "").append("-c ").append(key).append('=').append(ms);
            }
            if (options.length() > 0) c.addDataSourceProperty("options", options.toString());
            HikariDataSource ds;
            try {
                ds = new HikariDataSource(c);
            } catch (HikariPool.PoolInitializationException e) {
                Throwable cause = e.getCause();
                notes.add(app + "-" + i + ": pool failed to start, takes no traffic: "
                    + (cause instanceof SQLException q ? q.getSQLState() + " " : "") + (cause != null ? cause.getMessage() : e.getMessage()));
                continue;
            }
            all.add(ds);
            live.add(ds);
            int minIdle = c.getMinimumIdle(), last = -1;
            long stableSince = System.nanoTime();
            while (true) {
                int total = ds.getHikariPoolMXBean() == null ? 0 : ds.getHikariPoolMXBean().getTotalConnections();
                if (total >= minIdle) break;
                if (total != last) { last = total; stableSince = System.nanoTime(); }
                if (System.nanoTime() - stableSince > 300_000_000L) break;
                Thread.sleep(5);
            }
        }

        // Peak fleet connections, as PGServerWatcher counts them.
        long[] peak = {0, 0};
        long start = System.nanoTime();
        Thread sampler = new Thread(() -> {
            String sql = "SELECT coalesce(a.application_name, ''), count(*) FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid"
                + " WHERE a.backend_type = 'client backend' AND NOT r.rolsuper GROUP BY 1";
            try (Statement st = monitor.createStatement()) {
                while (!Thread.currentThread().isInterrupted()) {
                    long tick = System.nanoTime();
                    long fleet = 0;
                    try (ResultSet rs = st.executeQuery(sql)) {
                        while (rs.next()) if (rs.getString(1).startsWith(app)) fleet += rs.getLong(2);
                    }
                    synchronized (peak) { if (fleet > peak[0]) { peak[0] = fleet; peak[1] = (System.nanoTime() - start) / 1000; } }
                    long sleep = 100_000_000L - (System.nanoTime() - tick);
                    if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
            } catch (InterruptedException | SQLException e) { /* stopped */ }
        });
        sampler.start();

        // The load: open loop, latency from each login's scheduled start (LoadDriver).
        Map<Outcome, Tally> tallies = new ConcurrentHashMap<>();
        long warmup = Long.parseLong(s.get("warmup_us"));
        long[] latencies = new long[arrivals.size()], lags = new long[arrivals.size()];
        Arrays.fill(latencies, -1);
        // Threads started before the schedule, so the first logins do not wait for thread creation.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(256, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>());
        pool.prestartAllCoreThreads();
        int next = 0;
        for (int k = 0; k < arrivals.size(); k++) {
            Arrival a = arrivals.get(k);
            long due = start + a.offsetMicros() * 1000;
            for (long now; (now = System.nanoTime()) < due; ) LockSupport.parkNanos(due - now);
            HikariDataSource target = null;
            if (!live.isEmpty()) { next = (next + 1) % live.size(); target = live.get(next); }
            final HikariDataSource ds = target;
            final int index = k;
            pool.execute(() -> {
                lags[index] = Math.max(0, (System.nanoTime() - due) / 1000);
                Outcome o = ds == null ? new Outcome("pool_timeout", null) : login(ds, a.user(), a.bad(), dbTimeMicros);
                long latency = Math.max(1, (System.nanoTime() - due) / 1000);
                if (latency > requestTimeoutMicros) o = new Outcome("request_timeout", null);
                if (!a.phase().equals("warmup")) latencies[index] = latency;
                Tally t = tallies.computeIfAbsent(o, x -> new Tally());
                synchronized (t) { t.count++; t.firstAt = Math.min(t.firstAt, a.offsetMicros()); t.byPhase.merge(a.phase(), 1L, Long::sum); }
            });
        }
        long end = start + Long.parseLong(s.get("total_us")) * 1000;
        for (long now; (now = System.nanoTime()) < end; ) LockSupport.parkNanos(end - now);
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
        double measuredSeconds = (Math.min(System.nanoTime(), end) - start) / 1e9 - warmup / 1e6;
        sampler.interrupt();
        sampler.join();
        for (HikariDataSource ds : all) ds.close();
        monitor.close();

        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(opt.get("out")), StandardCharsets.UTF_8))) {
            out.println(json(arrivals.size(), tallies, latencies, lags, peak, measuredSeconds, notes, startPolicy));
        }
        System.exit(0);
    }

    static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try { return MessageDigest.getInstance("SHA-256"); } catch (Exception e) { throw new IllegalStateException(e); }
    });

    /** The login transaction of AuthService (design §6); every failure is an outcome. */
    static Outcome login(HikariDataSource ds, int user, boolean bad, long dbTimeMicros) {
        Connection c;
        try {
            c = ds.getConnection();
        } catch (SQLTransientConnectionException e) {
            // HikariCP's timeout carries the pool's last connection failure, if any, as its cause.
            if (e.getCause() instanceof SQLException q && q.getSQLState() != null) return new Outcome("connect_failed", q.getSQLState());
            return new Outcome("pool_timeout", null);
        } catch (SQLException e) {
            return new Outcome("connect_failed", e.getSQLState());
        }
        try (c) {
            String password = bad ? "wrong-" + user : "pw-" + user;
            long id;
            byte[] salt, hash;
            try (PreparedStatement ps = c.prepareStatement("SELECT id, salt, password_hash, failed_attempts FROM users WHERE email = ?")) {
                ps.setString(1, "user" + user + "@example.test");
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return new Outcome("query_failed", null);
                    id = rs.getLong(1);
                    salt = rs.getBytes(2);
                    hash = rs.getBytes(3);
                }
            }
            MessageDigest md = SHA256.get();
            md.reset();
            md.update(salt);
            md.update(password.getBytes(StandardCharsets.UTF_8));
            boolean matched = MessageDigest.isEqual(md.digest(), hash);
            if (matched) {
                md.reset();
                byte[] token = md.digest((id + "-" + ThreadLocalRandom.current().nextLong()).getBytes(StandardCharsets.UTF_8));
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES (?, ?, now(), now() + interval '1 hour')")) {
                    ps.setLong(1, id);
                    ps.setBytes(2, token);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE users SET last_login_at = now(), failed_attempts = 0 WHERE id = ?")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ?")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
            }
            if (dbTimeMicros > 0) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_sleep(?)")) {
                    ps.setDouble(1, dbTimeMicros / 1e6);
                    ps.executeQuery().close();
                }
            }
            c.commit();
            return matched ? new Outcome("ok", null) : new Outcome("bad_password", null);
        } catch (SQLException e) {
            // Closing rolls back (HikariCP: dirty commit state); a broken connection is evicted.
            return new Outcome("query_failed", e.getSQLState());
        }
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static String latency(long[] values) {
        long[] v = Arrays.stream(values).filter(x -> x >= 0).sorted().toArray();
        return String.format("{\"count\":%d,\"p50\":%d,\"p90\":%d,\"p99\":%d,\"p999\":%d,\"max\":%d}", v.length,
            percentile(v, 50), percentile(v, 90), percentile(v, 99), percentile(v, 99.9), v.length == 0 ? 0 : v[v.length - 1]);
    }

    /** Debian's jar has no Implementation-Version; Maven's pom.properties inside it has the version. */
    static String hikariVersion() {
        try (var in = HikariConfig.class.getResourceAsStream("/META-INF/maven/com.zaxxer/HikariCP/pom.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", HikariConfig.class.getPackage().getImplementationVersion());
        } catch (IOException e) {
            return null;
        }
    }

    static String str(String v) { return v == null ? "null" : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\""; }

    static String json(int scheduled, Map<Outcome, Tally> tallies, long[] latencies, long[] lags, long[] peak,
                       double measuredSeconds, List<String> notes, String startPolicy) {
        StringBuilder b = new StringBuilder("{\"runner\":\"hikaricp\",\"hikaricp\":")
            .append(str(hikariVersion()))
            .append(",\"pgjdbc\":").append(str(org.postgresql.Driver.class.getPackage().getImplementationVersion()))
            .append(",\"java\":").append(str(System.getProperty("java.version")))
            .append(",\"start\":").append(str(startPolicy)).append(",\"summary\":{\"scheduled\":").append(scheduled);
        long completed = tallies.values().stream().mapToLong(t -> t.count).sum();
        b.append(",\"completed\":").append(completed).append(",\"measuredSeconds\":").append(measuredSeconds).append(",\"outcomes\":[");
        String sep = "";
        for (Map.Entry<Outcome, Tally> e : tallies.entrySet()) {
            Tally t = e.getValue();
            b.append(sep).append("{\"outcome\":{\"kind\":").append(str(e.getKey().kind()));
            if (e.getKey().sqlState() != null) b.append(",\"sqlState\":").append(str(e.getKey().sqlState()));
            b.append("},\"count\":").append(t.count).append(",\"firstAt\":").append(t.firstAt).append(",\"byPhase\":{");
            String s2 = "";
            for (Map.Entry<String, Long> p : t.byPhase.entrySet()) { b.append(s2).append(str(p.getKey())).append(':').append(p.getValue()); s2 = ","; }
            b.append("}}");
            sep = ",";
        }
        b.append("],\"latency\":").append(latency(latencies)).append(",\"lag\":").append(latency(lags))
            .append(",\"peakServerConnections\":").append(peak[0]).append(",\"peakServerConnectionsAt\":").append(peak[1])
            .append(",\"notes\":[");
        sep = "";
        for (String n : notes) { b.append(sep).append(str(n)); sep = ","; }
        return b.append("]}}").toString();
    }
}
