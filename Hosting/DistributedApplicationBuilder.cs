using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>The builder behind <see cref="DistributedApplication.CreateBuilder(string[])"/>.</summary>
public sealed partial class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private readonly List<IResource> _resources = [];

    /// <summary>Creates a builder with the given options.</summary>
    public DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <inheritdoc />
    public DistributedApplicationOptions Options { get; }

    /// <inheritdoc />
    public IReadOnlyList<IResource> Resources => _resources;

    /// <inheritdoc />
    public IList<IDistributedApplicationProcessor> Processors { get; } = new List<IDistributedApplicationProcessor>();

    /// <inheritdoc />
    public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(resource);
        ValidateName(resource.Name);
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' already exists; resource names must be unique.");
        }
        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    /// <inheritdoc />
    public DistributedApplication Build()
    {
        Validate();
        var ports = new PortAllocator();
        foreach (var resource in _resources)
        {
            Allocate(resource, ports);
        }
        var dashboardPort = Options.DashboardPort == 0 ? ports.GetFreePort() : ports.Reserve(Options.DashboardPort);
        return new DistributedApplication(Options, [.. _resources], [.. Processors], dashboardPort);
    }

    /// <summary>Checks a resource name: it becomes part of env var names, file names and HAProxy server names.</summary>
    internal static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!ResourceNameRegex().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid resource name: use 1 to 64 lowercase letters, digits or '-', starting with a letter (e.g. 'webfrontend').", nameof(name));
        }
    }

    internal static string GeneratePassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private void Validate()
    {
        foreach (var resource in _resources)
        {
            foreach (var dependency in ResourceGraph.GetDependencies(resource))
            {
                if (!_resources.Contains(dependency))
                {
                    throw new DistributedApplicationException($"{resource} refers to {dependency}, which belongs to another application builder.");
                }
            }
            if (resource is LoadBalancerResource { Backend: null } lb)
            {
                throw new DistributedApplicationException($"Load balancer '{lb.Name}' has no backend: call .WithReference(project) on it.");
            }
            foreach (var reference in resource.GetAnnotations<ResourceReferenceAnnotation>())
            {
                if (reference.Resource is ExecutableResource executable && !executable.GetAnnotations<EndpointAnnotation>().Any())
                {
                    throw new DistributedApplicationException($"{resource} references executable '{executable.Name}', which has no endpoint: call .WithHttpEndpoint() on it.");
                }
            }
        }
        ResourceGraph.GetStartOrder(_resources);
    }

    private void Allocate(IResource resource, PortAllocator ports)
    {
        switch (resource)
        {
            case PostgresServerResource postgres:
                postgres.Port = ports.GetFreePort();
                // The data folder outlives a run, and its superuser password with it.
                var passwordFile = Path.Combine(Options.StateDirectory, postgres.Name, "password");
                postgres.Password = File.Exists(passwordFile) ? File.ReadAllText(passwordFile).Trim() : GeneratePassword();
                break;
            case RedisResource redis:
                redis.Port = ports.GetFreePort();
                redis.Password = GeneratePassword();
                break;
            case ProjectResource project:
                project.Ports = [.. Enumerable.Range(0, project.GetReplicaCount()).Select(_ => ports.GetFreePort())];
                break;
            case ExecutableResource executable when executable.TryGetLastAnnotation<EndpointAnnotation>(out var endpoint):
                executable.Ports = [.. Enumerable.Range(0, executable.GetReplicaCount())
                    .Select(_ => endpoint.Port is { } fixedPort ? ports.Reserve(fixedPort) : ports.GetFreePort())];
                break;
            case LoadBalancerResource lb:
                var requested = lb.RequestedPort ?? Options.LoadBalancerPort;
                lb.Port = requested is null or 0 ? ports.GetFreePort() : ports.Reserve(requested.Value);
                lb.StatsPort = ports.GetFreePort();
                break;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}$")]
    private static partial Regex ResourceNameRegex();
}
