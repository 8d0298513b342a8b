using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AppHost.EndToEndTests;

/// <summary>The built AppHost as a process with wrong options: one clear error, exit code 2, nothing started.</summary>
public sealed class OptionErrorTests
{
    [Fact]
    public async Task AnUnknownTopologyIsAnErrorListingTheTopologies()
    {
        var (exitCode, error) = await AppHostProcess.RunToEndAsync("--topology", "bogus");

        Assert.Equal(2, exitCode);
        Assert.Contains("'bogus' is not a topology", error, StringComparison.Ordinal);
        Assert.Contains("none, single, naive, naive-sticky, cluster, cluster-near", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--topology", "soss")]
    [InlineData("--Parameters:soss-hosts=127.0.0.1:72l")]
    public async Task SossAsStartTopologyWithoutItsHostsOrAWrongSossSettingIsAnErrorNamingTheSetting(params string[] args)
    {
        string[] ports = ["--lb-port", $"{FreePorts.Next()}", "--dashboard-port", $"{FreePorts.Next()}", "--control-port", $"{FreePorts.Next()}"];

        var (exitCode, error) = await AppHostProcess.RunToEndAsync([.. args, .. ports, $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{FreePorts.Next()}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Parameters:soss-hosts", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--containers bogus", "--containers needs 'official'")]
    [InlineData("--containers", "--containers needs a value: official")]
    [InlineData("--AppHost:Containers=bogus", "The setting AppHost:Containers needs 'official'")]
    public async Task AWrongContainersOptionOrSettingIsAnErrorSayingWhatItTakes(string args, string message)
    {
        var (exitCode, error) = await AppHostProcess.RunToEndAsync(args.Split(' '));

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Contains("local", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongSelfHealingSettingIsAnErrorSayingWhatItTakes()
    {
        var (exitCode, error) = await AppHostProcess.RunToEndAsync("--AppHost:SelfHealing=sometimes");

        Assert.Equal(2, exitCode);
        Assert.Contains("The setting AppHost:SelfHealing needs true or false, not 'sometimes' (or give --no-self-healing).", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--network wifi", "--network: Unknown network profile 'wifi'. Use one of: lan (")]
    [InlineData("--network", "The option --network needs a profile: one of lan (")]
    [InlineData("--network lan --network-delay 2s", "out of range")]
    [InlineData("--network-rate 10tbit", "--network")]
    [InlineData("--network-rate 500kbit", "1mbit to 100gbit")]
    [InlineData("--AppHost:Network=wifi", "The setting AppHost:Network: Unknown network profile 'wifi'")]
    [InlineData("--network lan --containers official", "--network puts links in front of the local servers; it does not work with --containers")]
    public async Task AWrongNetworkOptionOrSettingIsAnErrorSayingWhatItTakes(string args, string message)
    {
        var (exitCode, error) = await AppHostProcess.RunToEndAsync([.. args.Split(' '), .. FreePortArgs()]);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter '", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStateDirThatCannotBeWrittenIsAnErrorNamingTheOption()
    {
        var (exitCode, error) = await AppHostProcess.RunToEndAsync([.. FreePortArgs(), "--state-dir", "/proc/scaling-redis-state"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("--state-dir '/proc/scaling-redis-state' cannot be created or written", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task AsRootAStateDirUserPostgresCannotReachIsAnErrorSayingWhy()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "only as root does PostgreSQL run as another user (postgres)");
        var closed = Directory.CreateTempSubdirectory("closed-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(closed.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var (exitCode, error) = await AppHostProcess.RunToEndAsync([.. FreePortArgs(), "--state-dir", Path.Combine(closed.FullName, "state")]);

            Assert.Equal(2, exitCode);
            Assert.Contains("is not reachable by user postgres", error, StringComparison.Ordinal);
        }
        finally
        {
            closed.Delete(recursive: true);
        }
    }

    private static string[] FreePortArgs() =>
    [
        "--lb-port", $"{FreePorts.Next()}", "--dashboard-port", $"{FreePorts.Next()}", "--control-port", $"{FreePorts.Next()}",
        $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{FreePorts.Next()}",
    ];

    [Theory]
    [InlineData("--lb-port")]
    [InlineData("--dashboard-port")]
    [InlineData("--control-port")]
    public async Task ATakenPortIsAnErrorNamingThePortAndTheOption(string option)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string[] ports = ["--lb-port", $"{FreePorts.Next()}", "--dashboard-port", $"{FreePorts.Next()}", "--control-port", $"{FreePorts.Next()}"];
        var index = Array.IndexOf(ports, option);
        ports[index + 1] = $"{port}";

        var (exitCode, error) = await AppHostProcess.RunToEndAsync([.. ports, $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{FreePorts.Next()}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Port {port}", error, StringComparison.Ordinal);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }
}
