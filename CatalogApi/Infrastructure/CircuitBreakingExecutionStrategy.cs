using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Polly;
using Polly.Registry;

namespace CatalogApi.Infrastructure;

/// <summary>
/// Runs every EF Core operation (a query, <c>SaveChanges</c>, <c>ExecuteDelete</c>, a raw command) through the
/// <see cref="DatabaseCircuitBreaker"/> pipeline, so the breaker sees each database call and, while open, stops
/// them before they open a connection. It never retries: a retry of a refused connection waits for nothing, and
/// EF Core's retrying strategy (Aspire's default) held each request for seconds of back-off while the database was
/// down; the caller retries what is safe to retry.
/// </summary>
internal sealed class CircuitBreakingExecutionStrategy(DbContext context) : IExecutionStrategy
{
    // The pipeline is a singleton of the application's container; EF Core's GetService falls back to it.
    private readonly ResiliencePipeline _pipeline = context.GetService<ResiliencePipelineProvider<string>>().GetPipeline(DatabaseCircuitBreaker.PipelineName);

    /// <inheritdoc />
    public bool RetriesOnFailure => false;

    /// <inheritdoc />
    public TResult Execute<TState, TResult>(
        TState state,
        Func<DbContext, TState, TResult> operation,
        Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded)
        => _pipeline.Execute(static s => s.Operation(s.Context, s.State), (Context: context, State: state, Operation: operation));

    /// <inheritdoc />
    public Task<TResult> ExecuteAsync<TState, TResult>(
        TState state,
        Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
        Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded,
        CancellationToken cancellationToken = default)
        => _pipeline.ExecuteAsync(
            static async (s, ct) => await s.Operation(s.Context, s.State, ct).ConfigureAwait(false),
            (Context: context, State: state, Operation: operation),
            cancellationToken).AsTask();
}
