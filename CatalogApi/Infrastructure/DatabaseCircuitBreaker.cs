using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;

namespace CatalogApi.Infrastructure;

/// <summary>
/// The circuit breaker in front of PostgreSQL: a Polly pipeline (Microsoft.Extensions.Resilience's registry, so Polly
/// logs its events) that every EF Core operation runs through
/// (<see cref="CircuitBreakingExecutionStrategy"/>). When most recent operations found the database unreachable it
/// opens: requests then fail at once with <see cref="BrokenCircuitException"/>, answered 503 with
/// <c>Retry-After</c> by <see cref="DatabaseUnavailableExceptionHandler"/>, instead of each one trying to connect.
/// After <see cref="CircuitBreakerStrategyOptions{TResult}.BreakDuration"/> one request tries the database again and
/// closes the circuit when it succeeds, so a database that comes back is used again without a restart.
/// </summary>
public static class DatabaseCircuitBreaker
{
    /// <summary>The name of the pipeline and of its options.</summary>
    public const string PipelineName = "catalogdb";

    /// <summary>The configuration section that overrides the breaker's defaults (Polly's option names).</summary>
    public const string ConfigurationSection = "CatalogDatabase:CircuitBreaker";

    /// <summary>
    /// The connect timeout used when the connection string sets none: a connect and login on loopback or a LAN take
    /// milliseconds, and Npgsql's 15 s default is for slow WANs. It bounds what the first requests wait when the
    /// server accepts TCP but does not answer (stopped, not dead), before the breaker opens. It also bounds the wait
    /// for a free pooled connection, so it is not shorter.
    /// </summary>
    public const int DefaultConnectTimeoutSeconds = 3;

    /// <summary>
    /// Registers the pipeline with the sample's defaults: open when half of at least 4 operations within 5 s found the
    /// database unreachable, try again after 2 s.
    /// </summary>
    public static void AddDatabaseCircuitBreaker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CircuitBreakerStrategyOptions>(PipelineName)
            .Configure(o =>
            {
                o.FailureRatio = 0.5;
                o.MinimumThroughput = 4;
                o.SamplingDuration = TimeSpan.FromSeconds(5);
                o.BreakDuration = TimeSpan.FromSeconds(2);
            })
            .BindConfiguration(ConfigurationSection);

        builder.Services.AddResiliencePipeline(PipelineName, (pipeline, context) =>
        {
            var options = context.GetOptions<CircuitBreakerStrategyOptions>(PipelineName);
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseCircuitBreaker));
            // Only "the database is not there" opens the circuit: a constraint violation or a lost race is the
            // request's problem, not the database's.
            options.ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsUnavailable(ex));
            options.OnOpened = args =>
            {
                logger.LogWarning("PostgreSQL is unreachable ({Cause}): requests answer 503 for {BreakDuration} s, then one tries again",
                    Cause(args.Outcome.Exception), args.BreakDuration.TotalSeconds);
                return ValueTask.CompletedTask;
            };
            options.OnClosed = _ =>
            {
                logger.LogInformation("PostgreSQL answers again: the circuit is closed");
                return ValueTask.CompletedTask;
            };
            pipeline.AddCircuitBreaker(options);
        });
    }

    /// <summary>
    /// Runs the context's operations through the breaker (<see cref="CircuitBreakingExecutionStrategy"/>), and logs
    /// EF Core's own reports of failed commands at Debug: while the database is down each request would log an error
    /// with a stack trace; the breaker logs its opening and closing, the 503 handler each failure it answers, and an
    /// error that is not an outage still reaches ASP.NET Core's unhandled-exception log.
    /// </summary>
    public static void ConfigureDbContext(DbContextOptionsBuilder options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.UseNpgsql(npgsql => npgsql.ExecutionStrategy(dependencies => new CircuitBreakingExecutionStrategy(dependencies.CurrentContext.Context)));
        options.ConfigureWarnings(w => w.Log(
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.ConnectionError, LogLevel.Debug)));
    }

    /// <summary>
    /// The connection string with <see cref="DefaultConnectTimeoutSeconds"/> as its <c>Timeout</c> when it sets none
    /// (null stays null: Aspire's client integration then says which key is missing).
    /// </summary>
    public static string? WithConnectTimeout(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }
        // A plain builder holds only the keys that were given (Npgsql's answers true for every keyword it knows).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.ContainsKey("Timeout") || given.ContainsKey("Connect Timeout") || given.ContainsKey("Connection Timeout"))
        {
            return connectionString;
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { Timeout = DefaultConnectTimeoutSeconds }.ConnectionString;
    }

    /// <summary>
    /// Whether <paramref name="exception"/> (or one it wraps) says the database could not be reached or refused to
    /// serve: a broken or refused connection, a timeout, or a server shutting down, starting or full.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BrokenCircuitException:
                    return true;
                case PostgresException pg:
                    // 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect now; 53300: too many connections.
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }
        return false;
    }

    /// <summary>The innermost message of a failure, which names the reason ("Connection refused").</summary>
    public static string Cause(Exception? exception)
    {
        if (exception is null)
        {
            return "no answer";
        }
        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }
        return innermost == exception || innermost.Message.Length == 0
            ? exception.Message
            : string.Create(CultureInfo.InvariantCulture, $"{exception.Message} {innermost.Message}");
    }
}
