namespace StepOperator.Components;

/// <summary>How users run the program's commands, for the fixes that messages suggest.</summary>
public static class ProgramCommands
{
    /// <summary>The prefix of every command a message suggests: <c>dotnet run -- stack update ...</c>.</summary>
    public const string Prefix = "dotnet run --";
}
