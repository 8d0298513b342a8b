using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>Adds a local PostgreSQL (Debian package <c>postgresql</c>) and its databases to the app model.</summary>
public static partial class LocalPostgresBuilderExtensions
{
    // initdb, then CREATE DATABASE for each database in single-user mode (no server, no socket needed yet). Runs as
    // the init resource's whole process, so its output is that resource's console log in the dashboard.
    private const string InitScript = """
        set -eu
        as_postgres=""
        if [ "$(id -u)" = 0 ]; then as_postgres="setpriv --reuid=postgres --regid=postgres --init-groups --"; fi
        mkdir -p "$PG_HOME/run"
        if [ ! -f "$PG_DATA/PG_VERSION" ]; then
          # A half-initialised folder (initdb interrupted) cannot be reused.
          rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"
          pwfile="$PG_HOME/pwfile"
          (umask 077; printf '%s\n' "$PG_PASSWORD" > "$pwfile")
          if [ -n "$as_postgres" ]; then chown postgres:postgres "$PG_DATA" "$pwfile"; fi
          echo "initdb: $PG_DATA"
          $as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-host=scram-sha-256 --auth-local=trust \
            --pwfile="$pwfile" -E UTF8 --locale=C --no-sync
          rm -f "$pwfile"
        else
          echo "initdb: skipped, $PG_DATA is initialised already"
        fi
        if [ -n "$as_postgres" ]; then chown -R postgres:postgres "$PG_DATA" "$PG_HOME/run"; fi
        # The password is generated per run (not persisted): a kept data folder gets this run's password.
        out=$(echo "ALTER USER postgres PASSWORD '$PG_PASSWORD'" | $as_postgres "$PG_BIN/postgres" --single -D "$PG_DATA" postgres 2>&1) || { echo "setting the password failed"; exit 1; }
        case "$out" in *ERROR*) echo "setting the password failed"; exit 1 ;; esac
        for db in $PG_DATABASES; do
          out=$(echo "CREATE DATABASE \"$db\"" | $as_postgres "$PG_BIN/postgres" --single -D "$PG_DATA" postgres 2>&1) || { echo "$out"; exit 1; }
          case "$out" in
            *"already exists"*) echo "database $db: exists" ;;
            *ERROR*) echo "$out"; exit 1 ;;
            *) echo "database $db: created" ;;
          esac
        done
        """;

    /// <summary>
    /// Adds PostgreSQL as two executables: <c>{name}-init</c> (one-shot: initdb with a password file and
    /// scram-sha-256, skipped when the data folder is initialised; then creates the databases) and the server, which
    /// waits for the init to complete and listens on 127.0.0.1 only. The <c>postgres</c> user's password is the
    /// generated secret parameter <c>{name}-password</c>, not persisted: the init sets it on every start, so a kept
    /// data folder (<c>WithDataDirectory</c>) works with a new password each run.
    /// </summary>
    /// <param name="builder">The app model builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="port">The port; a free one when <c>null</c>.</param>
    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is between 1 and 65535.");
        }

        var password = builder.AddGeneratedPassword(name);
        var binDirectories = LocalBinaries.PostgresDirectories();
        var postgres = LocalBinaries.Find("postgres", binDirectories);
        var initdb = LocalBinaries.Find("initdb", binDirectories);
        var asRoot = Environment.UserName == "root";
        // The resource's process is the server itself (through setpriv, which execs it, as root): DCP watches and
        // signals postgres, and nothing can die between them and leave it running unseen.
        var command = asRoot ? LocalBinaries.Find("setpriv") ?? "setpriv" : postgres ?? "postgres";
        var server = new LocalPostgresServerResource(name, command, LocalFolders.Default(builder, name), password.Resource, port ?? LocalPorts.Next());

        var init = builder.AddExecutable($"{name}-init", "/bin/sh", Path.GetTempPath(), "-c", InitScript)
            .WithParentRelationship(server)
            .WithEnvironment(ctx =>
            {
                ctx.EnvironmentVariables["PG_HOME"] = server.Home;
                ctx.EnvironmentVariables["PG_DATA"] = server.DataDirectory;
                ctx.EnvironmentVariables["PG_BIN"] = Path.GetDirectoryName(initdb ?? "/usr/bin/initdb")!;
                ctx.EnvironmentVariables["PG_PASSWORD"] = server.PasswordParameter;
                ctx.EnvironmentVariables["PG_DATABASES"] = string.Join(' ', server.Databases.Values);
                ctx.EnvironmentVariables["LC_ALL"] = "C";
            })
            .OnBeforeResourceStarted((_, _, _) =>
            {
                if (postgres is null || initdb is null)
                {
                    throw new DistributedApplicationException(LocalBinaries.NotInstalled("postgres", "postgresql"));
                }

                PrepareHome(server);
                return Task.CompletedTask;
            });

        // The server's folder (its working folder for DCP) must exist when the app starts, WithDataDirectory's too.
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            PrepareHome(server);
            // DCP stops an executable with SIGTERM, Postgres' "smart" shutdown, which waits until every client has
            // disconnected; a connection pool never does, so DCP would wait seconds and then SIGKILL it. When the app
            // stops, ask Postgres for its "fast" shutdown (SIGINT: sessions are ended, nothing is lost) first.
            e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => LocalPostgresSignals.FastShutdown(server));
            return Task.CompletedTask;
        });

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey, _ => new NpgsqlHealthCheck(server), failureStatus: null, tags: null));

        return builder.AddResource(server)
            .WithEndpoint(LocalPostgresServerResource.PrimaryEndpointName, e =>
            {
                e.Port = server.Port;
                e.TargetPort = server.Port;
                e.IsProxied = false;
                e.TargetHost = "127.0.0.1";
                e.UriScheme = "tcp";
            })
            .WithArgs(ctx =>
            {
                if (asRoot)
                {
                    ctx.Args.Add("--reuid=postgres");
                    ctx.Args.Add("--regid=postgres");
                    ctx.Args.Add("--init-groups");
                    ctx.Args.Add("--");
                    ctx.Args.Add(postgres ?? "postgres");
                }

                ctx.Args.Add("-D");
                ctx.Args.Add(server.DataDirectory);
                ctx.Args.Add("-p");
                ctx.Args.Add(server.Port.ToString(CultureInfo.InvariantCulture));
                ctx.Args.Add("-k");
                ctx.Args.Add(server.SocketDirectory);
                ctx.Args.Add("-c");
                ctx.Args.Add("listen_addresses=127.0.0.1");
            })
            .WithEnvironment("LC_ALL", "C")
            .WaitForCompletion(init)
            .OnBeforeResourceStarted((_, _, _) =>
            {
                if (postgres is null)
                {
                    throw new DistributedApplicationException(LocalBinaries.NotInstalled("postgres", "postgresql"));
                }

                return Task.CompletedTask;
            })
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// Keeps the server's files in <paramref name="path"/> (<c>data/</c>, <c>run/</c>); an initialised data folder is
    /// reused (initdb is skipped). By default they go to a new temp folder per run.
    /// </summary>
    public static IResourceBuilder<LocalPostgresServerResource> WithDataDirectory(this IResourceBuilder<LocalPostgresServerResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        return builder.WithAnnotation(new LocalDataDirectoryAnnotation(full), ResourceAnnotationMutationBehavior.Replace)
            .WithWorkingDirectory(full);
    }

    /// <summary>
    /// Adds a database, created by the init resource when missing; its connection string is the server's plus
    /// <c>;Database=…</c>, and it is healthy when Npgsql can open it.
    /// </summary>
    /// <param name="builder">The server.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="databaseName">The database's name; <paramref name="name"/> when <c>null</c>.</param>
    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(this IResourceBuilder<LocalPostgresServerResource> builder, [ResourceName] string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        databaseName ??= name;
        if (!DatabaseNamePattern().IsMatch(databaseName))
        {
            // The name goes into a shell loop and a quoted identifier: keep it to what needs no escaping.
            throw new ArgumentException($"Database name '{databaseName}' must be lowercase letters, digits, '_' or '-' (at most 63), starting with a letter.", nameof(databaseName));
        }

        builder.Resource.AddDatabase(name, databaseName);
        var database = new LocalPostgresDatabaseResource(name, databaseName, builder.Resource);
        var healthCheckKey = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey, _ => new NpgsqlHealthCheck(database), failureStatus: null, tags: null));
        // A database has no process: it is Running once its server is ready (healthy), and its own health check
        // then says whether the database itself opens.
        builder.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(builder.Resource, (e, _) =>
            e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            }));
        // When the server stops or dies, so does the database: its state follows the server's (as Aspire does for the
        // databases of its container integrations): a resource that is not Running has no health in Aspire, so it is
        // not shown Healthy meanwhile, and WaitFor(database) waits. Running again once the server is healthy (above).
        builder.ApplicationBuilder.Eventing.Subscribe<ResourceStoppedEvent>(builder.Resource, (e, _) =>
            e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
            {
                State = e.ResourceEvent.Snapshot.State,
                StopTimeStamp = e.ResourceEvent.Snapshot.StopTimeStamp ?? DateTime.UtcNow,
            }));
        builder.ApplicationBuilder.Eventing.Subscribe<BeforeResourceStartedEvent>(builder.Resource, (e, _) =>
            e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
            {
                State = KnownResourceStates.Starting,
            }));
        return builder.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.NotStarted,
                Properties = [new ResourcePropertySnapshot(CustomResourceKnownProperties.Source, $"{builder.Resource.Name}/{databaseName}")],
            })
            .WithHealthCheck(healthCheckKey);
    }

    private static void PrepareHome(LocalPostgresServerResource server)
    {
        Directory.CreateDirectory(server.Home);
        LocalFolders.MakeTraversable(server.Home);
        LocalFolders.MakeTraversable(Path.GetDirectoryName(server.Home)!);
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$")]
    private static partial Regex DatabaseNamePattern();
}
