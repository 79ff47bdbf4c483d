using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Hosting;

/// <summary><c>flavor list</c> and <c>flavor describe NAME</c>: the flavors this program has, each with its settings and their meaning.</summary>
internal static class FlavorCommands
{
    public const string Name = "flavor";

    public static Command Create(TextWriter output)
    {
        var command = new Command(Name, "Lists the flavors this program has (one per backend; a backend package adds its own) and describes their settings.");

        var list = new Command("list", "Lists the installed flavors of each component type, and StepOperator's packages that add more.");
        list.SetAction(_ =>
        {
            foreach (var type in ComponentTypes.All)
            {
                output.WriteLine($"{type.CommandName()}: {FlavorCatalog.Describe(type)}");
            }
        });
        command.Subcommands.Add(list);

        var flavorName = new Argument<string>("name") { Description = "The flavor (modal, s3, docker, ...)." };
        var typeOption = new Option<string?>("--type", "-t") { Description = "The component type, when several have a flavor of that name (step-operator, orchestrator, ...)." };
        var describe = new Command("describe", "Shows a flavor's settings: what each means, which are required, and an example.") { flavorName, typeOption };
        describe.SetAction(parse =>
        {
            var name = parse.GetValue(flavorName)!;
            var typeName = parse.GetValue(typeOption);
            ComponentType? type = typeName is null ? null : ComponentTypes.FromCommandName(typeName) ?? throw new StackConfigurationException(
                $"'{typeName}' is not a component type. Types: {string.Join(", ", ComponentTypes.All.Select(t => t.CommandName()))}.");
            var found = FlavorCatalog.All
                .Where(flavor => string.Equals(flavor.Name, name, StringComparison.OrdinalIgnoreCase) && (type is null || flavor.Type == type))
                .ToList();
            if (found.Count == 0)
            {
                var types = type is { } only ? new[] { only } : ComponentTypes.All.Where(t => FlavorCatalog.PackageOf(t, name) is not null).DefaultIfEmpty(ComponentType.StepOperator);
                throw new StackConfigurationException(FlavorCatalog.Missing(types.First(), name));
            }

            output.Write(string.Join(Environment.NewLine, found.Select(Describe)));
        });
        command.Subcommands.Add(describe);
        return command;
    }

    /// <summary>A flavor's description and settings, as <c>flavor describe</c> and <c>register --help</c> show them.</summary>
    public static string Describe(Flavor flavor)
    {
        var text = new StringBuilder();
        text.AppendLine($"{flavor.Type.CommandName()} flavor '{flavor.Name}' (package {flavor.Package}): {flavor.Description}");
        if (flavor.Settings.Count == 0)
        {
            text.AppendLine("  settings: none");
        }

        foreach (var setting in flavor.Settings)
        {
            text.AppendLine($"  --{setting.OptionName}={setting.Example}{(setting.Required ? " (required)" : string.Empty)}: {setting.Description}");
        }

        if (flavor is StepOperatorFlavor { StepDefaults.Count: > 0 } runsSteps)
        {
            text.AppendLine($"  defaults for its steps (a step that sets one keeps its own): {string.Join(", ", runsSteps.StepDefaults.Select(d => "--" + ComponentDefinition.ToOptionName(d)))}");
        }

        return text.ToString();
    }

    /// <summary>What <c>TYPE register --help</c> says after its usage: every installed flavor of the type with its settings.</summary>
    public static string RegisterHelp(ComponentType type)
    {
        var text = new StringBuilder("Registers a component; settings as --setting_name=value (secrets are stored in the user-level file, shown masked).");
        text.AppendLine().AppendLine();
        foreach (var flavor in FlavorCatalog.Of(type))
        {
            text.Append(Describe(flavor));
        }

        var missing = FlavorCatalog.Describe(type).Split("; ", 2);
        if (missing.Length == 2)
        {
            text.AppendLine($"Not installed: {missing[1]}.");
        }

        return text.ToString().TrimEnd();
    }
}
