Attribute VB_Name = "XlmonRibbon"
' The ribbon callbacks of xlmon.xlam (source of the VBA module XlmonRibbon).
'
' Every button of customUI.xml calls XlmonDispatch; its tag names the Python entry point,
' run as xlmon.entry_points.main(tag) through xlwings' RunPython (module "xlwings" of this
' add-in, taken unchanged from the installed xlwings package by addin/build.py).
' build.py fills the PYTHON_TAGS placeholder from the tags in customUI.xml and turns string literals
' that hold Chinese text into ChrW() expressions, so the stored module is plain ASCII and
' reads the same on every system code page. Keep comments and code outside strings ASCII.
Option Explicit

Private Const PYTHON_TAGS As String = "|{{PYTHON_TAGS}}|"

Public Sub XlmonDispatch(control As IRibbonControl)
    Dim tag As String
    tag = control.Tag
    If tag = "settings" Then
        XlmonSettings
    ElseIf IsPythonTag(tag) Then
        RunPython "import xlmon.entry_points as x; x.main('" & tag & "')"
    Else
        MsgBox "未知的按钮：" & tag, vbExclamation, TITLE
    End If
End Sub

Private Function TITLE() As String
    TITLE = "xlmon 预算绩效运行监控"
End Function

Private Function IsPythonTag(ByVal tag As String) As Boolean
    ' Only whitelisted names made of a-z and "_" ever reach the Python command line.
    Dim i As Long
    If Len(tag) = 0 Then Exit Function
    For i = 1 To Len(tag)
        If Not (Mid$(tag, i, 1) Like "[a-z_]") Then Exit Function
    Next i
    IsPythonTag = InStr(1, PYTHON_TAGS, "|" & tag & "|", vbBinaryCompare) > 0
End Function

Public Sub XlmonSettings()
    ' Open the user config file written by "xlmon addin install" (xlwings reads it as xlmon.conf).
    Dim path As String
    path = GetConfigFilePath()
    If Not FileExists(path) Then
        MsgBox "未找到配置文件：" & vbCrLf & path & vbCrLf & vbCrLf & _
               "请在命令提示符中运行：xlmon addin install", vbExclamation, TITLE
        Exit Sub
    End If
    #If Mac Then
        MsgBox "配置文件位于：" & vbCrLf & path & vbCrLf & "请用文本编辑器修改后重新打开 Excel。", vbInformation, TITLE
    #Else
        On Error GoTo Failed
        Shell "notepad.exe """ & path & """", vbNormalFocus
        Exit Sub
Failed:
        MsgBox "无法打开记事本，请手动编辑配置文件：" & vbCrLf & path, vbExclamation, TITLE
    #End If
End Sub
