using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hosting.UnitTests;

/// <summary>What <c>WithAutoRestart</c> and the local Postgres put in the app model, checked without starting anything.</summary>
public sealed class AutoRestartModelTests
{
    [Fact]
    public void EveryResourceWithAutoRestartHasItsAnnotationAndTheAppOneWatcher()
    {
        var builder = DistributedApplication.CreateBuilder();

        var cache = builder.AddLocalRedis("cache").WithAutoRestart().Resource;
        var postgres = builder.AddLocalPostgres("postgres").WithAutoRestart(new AutoRestartAnnotation { MaxRestarts = 2 }).Resource;

        Assert.Equal(5, Assert.Single(cache.Annotations.OfType<AutoRestartAnnotation>()).MaxRestarts);
        Assert.Equal(2, Assert.Single(postgres.Annotations.OfType<AutoRestartAnnotation>()).MaxRestarts);
        Assert.Single(builder.Services, d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationFactory is not null && d.ImplementationFactory.Method.ReturnType == typeof(AutoRestartService));
    }

    [Fact]
    public void AutoRestartLimitsThatCannotWorkAreRefused()
    {
        var builder = DistributedApplication.CreateBuilder();
        var cache = builder.AddLocalRedis("cache");

        Assert.Throws<ArgumentException>(() => cache.WithAutoRestart(new AutoRestartAnnotation { MaxRestarts = 0 }));
        Assert.Throws<ArgumentException>(() => cache.WithAutoRestart(new AutoRestartAnnotation { FirstDelay = TimeSpan.FromMinutes(1), MaxDelay = TimeSpan.FromSeconds(1) }));
    }

    [Fact]
    public void ThePostgresResourceRunsPostgresItselfNotAShellAroundIt()
    {
        var builder = DistributedApplication.CreateBuilder();

        var postgres = builder.AddLocalPostgres("postgres").Resource;

        // As root through setpriv, which execs postgres in its own process; otherwise postgres directly.
        Assert.Equal(Environment.UserName == "root" ? "setpriv" : "postgres", Path.GetFileName(postgres.Command));
    }
}
