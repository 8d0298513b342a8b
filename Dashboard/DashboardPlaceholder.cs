namespace Dashboard;

internal static class DashboardPlaceholder
{
}
