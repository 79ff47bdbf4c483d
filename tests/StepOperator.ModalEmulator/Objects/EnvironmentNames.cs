namespace StepOperator.ModalEmulator.Objects;

/// <summary>An empty environment name means the workspace's default environment, "main".</summary>
internal static class EnvironmentNames
{
    public const string Default = "main";

    public static string Normalize(string? name) => string.IsNullOrEmpty(name) ? Default : name;
}
