using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Dependencies between resources: what must run (or be healthy) before what.</summary>
internal static class ResourceGraph
{
    /// <summary>The resources <paramref name="resource"/> waits for, references, or lives in.</summary>
    public static IEnumerable<IResource> GetDependencies(IResource resource)
    {
        var dependencies = resource.GetAnnotations<WaitAnnotation>().Select(w => w.Resource)
            .Concat(resource.GetAnnotations<ResourceReferenceAnnotation>().Select(r => r.Resource));
        if (resource is IResourceWithParent child)
        {
            dependencies = dependencies.Append(child.Parent);
        }
        return dependencies.Distinct();
    }

    /// <summary>Dependencies first, otherwise in the order added; throws on a cycle, naming it.</summary>
    public static List<IResource> GetStartOrder(IReadOnlyList<IResource> resources)
    {
        var order = new List<IResource>();
        var state = new Dictionary<IResource, bool>(); // false: visiting, true: done
        foreach (var resource in resources)
        {
            Visit(resource, [], state, order);
        }
        return order;
    }

    private static void Visit(IResource resource, List<IResource> path, Dictionary<IResource, bool> state, List<IResource> order)
    {
        if (state.TryGetValue(resource, out var done))
        {
            if (!done)
            {
                var cycle = path.SkipWhile(r => r != resource).Append(resource).Select(r => r.Name);
                throw new DistributedApplicationException($"Resources wait for each other in a cycle: {string.Join(" -> ", cycle)}. Remove one WaitFor or WithReference.");
            }
            return;
        }
        state[resource] = false;
        path.Add(resource);
        foreach (var dependency in GetDependencies(resource))
        {
            Visit(dependency, path, state, order);
        }
        path.RemoveAt(path.Count - 1);
        state[resource] = true;
        order.Add(resource);
    }
}
