using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Scaleout.Integration;

namespace Scaleout.Integration.Tests;

/// <summary>The resource as the AppHost sees it, without starting anything.</summary>
public class AppModelTests
{
    // Aspire.Hosting.Testing wants an AppHost project to build from; the app model alone needs only the builder.
    internal static IDistributedApplicationBuilder NewBuilder()
        => DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });

    [Fact]
    public void WithoutSettingsAddingSossFailsWithTheReasonInsteadOfAddingAResourceThatCanNeverBeHealthy()
    {
        var builder = NewBuilder();

        Assert.False(ScaleOutStateServerConfiguration.IsConfigured(builder.Configuration));
        var error = Assert.Throws<ScaleOutConfigurationException>(() => builder.AddScaleOutStateServer());
        Assert.Contains(ScaleOutStateServerConfiguration.NotConfiguredReason(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongPortInTheHostsParameterStopsTheAppHostNamingTheSetting()
    {
        var builder = NewBuilder();
        builder.Configuration["Parameters:soss-hosts"] = "node1:72l";

        var error = Assert.Throws<ScaleOutConfigurationException>(() => builder.AddScaleOutStateServer());
        Assert.Equal("Parameters:soss-hosts", error.Setting);
        Assert.Contains("port '72l'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHostsParameterBecomesTheConnectionStringWithSossPortAndTheSecretPassword()
    {
        var builder = NewBuilder();
        builder.Configuration["Parameters:soss-hosts"] = "node1,node2:7210";
        builder.Configuration["Parameters:soss-password"] = "s3cret";

        var soss = builder.AddScaleOutStateServer();

        Assert.Equal("soss", soss.Resource.Name);
        Assert.Equal("node1:721,node2:7210,password=s3cret", await soss.Resource.ConnectionStringExpression.GetValueAsync(default));
        var password = Assert.Single(builder.Resources.OfType<ParameterResource>(), p => p.Name == "soss-password");
        Assert.True(password.Secret);
        Assert.Contains(soss.Resource.Annotations.OfType<HealthCheckAnnotation>(), a => a.Key == "soss_soss_check");
    }

    [Fact]
    public async Task AWholeConnectionStringTravelsAsASecretParameter()
    {
        var builder = NewBuilder();
        builder.Configuration["ConnectionStrings:soss"] = "node1,password=s3cret";

        var soss = builder.AddScaleOutStateServer();

        Assert.Equal("ConnectionStrings:soss", soss.Resource.Setting);
        Assert.Equal("node1:721,password=s3cret", await soss.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.True(Assert.Single(builder.Resources.OfType<ParameterResource>(), p => p.Name == "soss-connection-string").Secret);
    }

    [Fact]
    public void ADashboardEntryListsTheEndpointsAsAnExternalResource()
    {
        var builder = NewBuilder();
        builder.Configuration["Parameters:soss-hosts"] = "10.0.0.1__721,10.0.0.2__721";

        var soss = builder.AddScaleOutStateServer();

        var snapshot = Assert.Single(soss.Resource.Annotations.OfType<ResourceSnapshotAnnotation>()).InitialSnapshot;
        Assert.Equal("ScaleOutStateServer", snapshot.ResourceType);
        Assert.Equal(["redis://10.0.0.1:721", "redis://10.0.0.2:721"], soss.Resource.Annotations.OfType<ResourceUrlAnnotation>().Select(u => u.Url));
        Assert.Contains(snapshot.Properties, p => p.Name == CustomResourceKnownProperties.Source && Equals(p.Value, "external: 10.0.0.1:721, 10.0.0.2:721"));
    }
}
