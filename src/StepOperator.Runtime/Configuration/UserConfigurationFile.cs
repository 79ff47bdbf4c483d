using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using StepOperator.Components;

namespace StepOperator.Configuration;

/// <summary>
/// The user-level configuration file that registration commands write: components (with their
/// secrets), stacks and the active stack. Created and kept readable by its owner only (0600).
/// </summary>
internal sealed class UserConfigurationFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    // Keys are not case-sensitive in configuration, so "stacks" written by hand is the section "Stacks".
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = true };

    private readonly JsonObject _root;
    private readonly bool _hasComments;

    private UserConfigurationFile(string path, JsonObject root, bool hasComments)
    {
        Path = path;
        _root = root;
        _hasComments = hasComments;
    }

    public string Path { get; }

    /// <summary>The file, checked as every configuration file is (<see cref="ConfigurationFile"/>); empty when there is none.</summary>
    /// <exception cref="StackConfigurationException">The file is not a configuration StepOperator reads; it is left as it is.</exception>
    public static UserConfigurationFile Open(string path)
    {
        if (ConfigurationFile.Read(path) is not { } file)
        {
            return new UserConfigurationFile(path, new JsonObject(NodeOptions), hasComments: false);
        }

        return new UserConfigurationFile(path, (JsonObject)JsonNode.Parse(file.Json, NodeOptions, ConfigurationFile.DocumentOptions)!, file.HasComments);
    }

    public void SetComponent(ComponentDefinition component)
    {
        var section = Section(component.Type.SectionName());
        var entry = new JsonObject { ["Flavor"] = component.Flavor };
        foreach (var (key, value) in component.Settings.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            entry[key] = value;
        }

        section[component.Name] = entry;
    }

    public bool RemoveComponent(ComponentType type, string name) => Section(type.SectionName()).Remove(KeyOf(Section(type.SectionName()), name));

    public void SetStack(StackDefinition stack)
    {
        var entry = new JsonObject
        {
            ["Orchestrator"] = stack.Orchestrator,
            ["ArtifactStore"] = stack.ArtifactStore,
        };
        if (stack.StepOperator is not null)
        {
            entry["StepOperator"] = stack.StepOperator;
        }

        if (stack.ContainerRegistry is not null)
        {
            entry["ContainerRegistry"] = stack.ContainerRegistry;
        }

        if (stack.ImageBuilder is not null)
        {
            entry["ImageBuilder"] = stack.ImageBuilder;
        }

        Section("Stacks")[stack.Name] = entry;
    }

    public bool RemoveStack(string name) => Section("Stacks").Remove(KeyOf(Section("Stacks"), name));

    public void SetActiveStack(string name) => _root["ActiveStack"] = name;

    /// <summary>Writes the file, readable and writable by its owner only.</summary>
    /// <exception cref="StackConfigurationException">The file has comments (writing would drop them) or cannot be written; it is left as it is.</exception>
    public void Save()
    {
        if (_hasComments)
        {
            throw new StackConfigurationException(
                $"{Path} has comments, which saving this change would remove. Remove them and run the command again, or make the change in the file by hand.");
        }

        try
        {
            Write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StackConfigurationException($"{Path}: cannot be written ({e.Message}). Make it and its folder writable by you.");
        }
    }

    private void Write()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".partial";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(_root.ToJsonString(Indented));
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private JsonObject Section(string name)
    {
        if (_root[name] is JsonObject section)
        {
            return section;
        }

        section = new JsonObject(NodeOptions);
        _root[name] = section;
        return section;
    }

    private static string KeyOf(JsonObject section, string name) =>
        section.Select(pair => pair.Key).FirstOrDefault(key => string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) ?? name;
}
