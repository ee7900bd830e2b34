// prearchive: the `prearchive` command group: list, archive, delete, rebuild and move
// sessions in XNAT's staging area.

#include "xnatctl/sdk.hpp"

namespace {

struct Prearchive {
  explicit Prearchive(xc::Host h) : host_(h) {}
  const xc::Host& host() const { return host_; }

  [[noreturn]] static void not_yet(const char* command) {
    throw xc::Error(XC_UNSUPPORTED,
                    std::string("'prearchive ") + command + "' is not implemented yet");
  }
  void list(const xc::Invocation&) { not_yet("list"); }
  void archive(const xc::Invocation&) { not_yet("archive"); }
  void remove(const xc::Invocation&) { not_yet("delete"); }
  void rebuild(const xc::Invocation&) { not_yet("rebuild"); }
  void move(const xc::Invocation&) { not_yet("move"); }
  xc::Host host_;
};

constexpr xc_positional_desc kProject =
    xc::Positional("PROJECT", "project ID (or Unassigned)").desc();
constexpr xc_positional_desc kTimestamp =
    xc::Positional("TIMESTAMP", "prearchive timestamp folder").desc();
constexpr xc_positional_desc kSession =
    xc::Positional("SESSION_NAME", "prearchive session folder name").desc();
constexpr xc_positional_desc kTarget =
    xc::Positional("TARGET_PROJECT", "project to move the session to").desc();
constexpr const xc_positional_desc* kSessionArgs[] = {&kProject, &kTimestamp, &kSession};
constexpr const xc_positional_desc* kMoveArgs[] = {&kProject, &kTimestamp, &kSession, &kTarget};

constexpr xc_option_desc kProjectFilter =
    xc::Option("project", XC_OPTION_STRING, "only this project").desc();
constexpr xc_option_desc kSubject =
    xc::Option("subject", XC_OPTION_STRING, "subject label to archive under").desc();
constexpr xc_option_desc kLabel =
    xc::Option("label", XC_OPTION_STRING, "session label to archive as").desc();
constexpr xc_option_desc kOverwrite =
    xc::Option("overwrite", XC_OPTION_STRING, "merge into an existing session: append or delete")
        .desc();
constexpr xc_option_desc kYes =
    xc::Option("yes", XC_OPTION_FLAG, "do not ask for confirmation").short_name("y").desc();
constexpr xc_option_desc kDryRun =
    xc::Option("dry-run", XC_OPTION_FLAG, "show what would happen, change nothing").desc();
constexpr const xc_option_desc* kListOptions[] = {&kProjectFilter};
constexpr const xc_option_desc* kArchiveOptions[] = {&kSubject, &kLabel, &kOverwrite};
constexpr const xc_option_desc* kDeleteOptions[] = {&kYes, &kDryRun};

using P = Prearchive;
constexpr xc_command_desc kList = xc::Command("prearchive list", "List sessions in the prearchive")
                                      .options(kListOptions)
                                      .run(xc::command_thunk<P, &P::list>)
                                      .desc();
constexpr xc_command_desc kArchive =
    xc::Command("prearchive archive", "Archive a prearchive session")
        .positionals(kSessionArgs)
        .options(kArchiveOptions)
        .run(xc::command_thunk<P, &P::archive>)
        .desc();
constexpr xc_command_desc kDelete = xc::Command("prearchive delete", "Delete a prearchive session")
                                        .positionals(kSessionArgs)
                                        .options(kDeleteOptions)
                                        .run(xc::command_thunk<P, &P::remove>)
                                        .desc();
constexpr xc_command_desc kRebuild =
    xc::Command("prearchive rebuild", "Rebuild a prearchive session's metadata")
        .positionals(kSessionArgs)
        .run(xc::command_thunk<P, &P::rebuild>)
        .desc();
constexpr xc_command_desc kMove =
    xc::Command("prearchive move", "Move a prearchive session to another project")
        .positionals(kMoveArgs)
        .run(xc::command_thunk<P, &P::move>)
        .desc();
constexpr const xc_command_desc* kCommands[] = {&kList, &kArchive, &kDelete, &kRebuild, &kMove};

constexpr xc_plugin_desc kPlugin =
    xc::Plugin("prearchive", "0.1.0", "Prearchive workflow: list, archive, delete, rebuild, move")
        .commands(kCommands)
        .lifecycle(xc::plugin_init<Prearchive>, xc::plugin_shutdown<Prearchive>)
        .desc();

}  // namespace

XC_DEFINE_PLUGIN(kPlugin)
