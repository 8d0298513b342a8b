using System.Text;
using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>The short table the AppHost prints once everything is healthy.</summary>
internal static class ResourceTable
{
    public static string Format(DistributedApplication app)
    {
        var rows = app.ResourceNotifications.GetSnapshots()
            .Select(s => (Name: app.Resources.First(r => r.Name == s.Name).GetReplicaCount() > 1 ? s.InstanceId : s.Name, Type: s.ResourceType, State: s.State.ToString(), Endpoints: string.Join("  ", s.Endpoints)))
            .ToList();
        if (app.Options.DashboardEnabled)
        {
            rows.Add(("dashboard", "Dashboard", "Healthy", $"http://127.0.0.1:{app.DashboardPort}/api/resources"));
        }
        var nameWidth = Math.Max(8, rows.Max(r => r.Name.Length)) + 2;
        var typeWidth = Math.Max(4, rows.Max(r => r.Type.Length)) + 2;
        var text = new StringBuilder();
        text.AppendLine($"{"RESOURCE".PadRight(nameWidth)}{"TYPE".PadRight(typeWidth)}{"STATE",-10}ENDPOINTS");
        foreach (var row in rows)
        {
            text.AppendLine($"{row.Name.PadRight(nameWidth)}{row.Type.PadRight(typeWidth)}{row.State,-10}{row.Endpoints}");
        }
        return text.ToString();
    }
}
