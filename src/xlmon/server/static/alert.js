// The alert dialog of the Office.js client: tell the task pane which button was pressed.
document.getElementById("ok").addEventListener("click", () => {
  Office.onReady(() => {
    const callback = document.getElementById("callback").getAttribute("data-callback");
    Office.context.ui.messageParent("ok|" + callback);
  });
});
