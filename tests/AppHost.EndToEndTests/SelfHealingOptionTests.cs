using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace AppHost.EndToEndTests;

/// <summary>The AppHost's self-healing switch reaches the cluster in its app model (built, not started).</summary>
public sealed class SelfHealingOptionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false, "--no-self-healing")]
    [InlineData(false, "--AppHost:SelfHealing=false")]
    [InlineData(true, "--AppHost:SelfHealing=true")]
    public async Task TheClusterHealsItselfUnlessTheOptionOrTheSettingTurnsItOff(bool expected, params string[] extra)
    {
        var state = Directory.CreateTempSubdirectory("self-healing-option-");
        try
        {
            string[] args =
            [
                .. extra,
                "--lb-port", $"{FreePorts.Next()}", "--control-port", $"{FreePorts.Next()}", "--dashboard-port", $"{FreePorts.Next()}",
                "--state-dir", state.FullName,
                $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{FreePorts.Next()}",
            ];
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, timeout.Token);

            var cluster = builder.Resources.OfType<RedisClusterResource>().Single(r => r.Name == ResourceNames.ClusterCache);

            Assert.Equal(expected, cluster.SelfHealing);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }
}
